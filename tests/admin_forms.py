"""Submit admin change forms the way a browser does: every field of the form and
its inlines as rendered, with the test's changes on top."""


def _put(data, bound_field):
    value = bound_field.value()
    if value is None or value is False:
        return
    if value is True:
        data[bound_field.html_name] = "on"
    elif isinstance(value, list | tuple):
        data[bound_field.html_name] = [str(item) for item in value]
    else:
        data[bound_field.html_name] = str(value)


def admin_form_data(response, **changes):
    """The POST data of the admin change form in ``response`` (a rendered add or
    change page), with ``changes`` applied, ready to save with "Save"."""
    data = {}
    for bound_field in response.context["adminform"].form:
        _put(data, bound_field)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for bound_field in formset.management_form:
            _put(data, bound_field)
        for form in formset.forms:
            for bound_field in form:
                _put(data, bound_field)
    data.update(changes)
    data["_save"] = "Save"
    return data
