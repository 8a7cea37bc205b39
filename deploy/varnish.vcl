# Varnish in front of heromask-wiki's gunicorn (see README, "A front cache").
# The site marks the pages anonymous readers get as public, with s-maxage and
# stale-while-revalidate; after every committed change it sends one BAN
# (settings DJANGO_FRONT_CACHE_URLS), which drops every page of this cache.
# Requests carrying cookies (editors) and everything else go by Varnish's
# built-in rules: they pass to the site uncached.
vcl 4.1;

backend default {
    .host = "127.0.0.1";
    .port = "8000";
}

# Who may ban: the site's own servers.
acl banners {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "BAN") {
        if (client.ip !~ banners) {
            return (synth(403, "Forbidden"));
        }
        ban("obj.status != 0");
        return (synth(200, "Banned"));
    }
}
