"""`manage.py loaddata`, followed by a rebuild of the link table.

Fixtures are saved raw, in whatever order the files list them, so a page's
links cannot be read while the pages it links to may still be missing. Once
every object is in, the link table ("What links here", the characters a work
mentions) is rebuilt in the same transaction; the search index keeps itself
current on raw saves.
"""

from django.core.management.commands import loaddata

from articles.links import rebuild_all_links
from heromask_wiki import pagecache


class Command(loaddata.Command):
    def loaddata(self, fixture_labels):
        # Django's handle() wraps this in the transaction the whole load runs in.
        super().loaddata(fixture_labels)
        if self.loaded_object_count:
            rebuild_all_links()
            pagecache.invalidate_everything()
