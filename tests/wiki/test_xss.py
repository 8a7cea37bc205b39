"""Nothing an editor types may run script or load active content.

Every vector goes through the one rendering pipeline (Markdown, wiki links,
automatic links, citations, sanitising) and the output is parsed the way a
browser would (html5lib) and checked element by element.
"""

import re

import html5lib
import pytest

from tests.factories import AliasFactory, CharacterFactory
from wiki import markup
from wiki.models import TitleResolver


def render_markdown(text, page=None):
    return markup.render_markdown(text, resolver=TitleResolver(), page=page)


pytestmark = pytest.mark.django_db

SAFE_SCHEMES = {"http", "https", "mailto"}
URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "background",
    "poster",
    "data",
    "srcset",
}
FORBIDDEN_ELEMENTS = {
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "form", "input",
    "button", "textarea", "select", "svg", "math", "base", "meta", "link", "img", "video", "audio",
    "source", "template", "noscript", "xmp", "plaintext",
}  # fmt: skip
# Browsers drop ASCII whitespace and control characters anywhere in a URL's scheme.
IGNORED_IN_URLS = re.compile(r"[\x00-\x20\x7f-\xa0\s]+")
SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")

VECTORS = [
    # Plain HTML script and event handlers.
    "<script>alert(1)</script>",
    "<SCRIPT SRC=http://xss.example/xss.js></SCRIPT>",
    "<script/xss src=http://xss.example/xss.js></script>",
    "<<SCRIPT>alert(1);//<</SCRIPT>",
    "<SCRIPT SRC=//xss.example/.j>",
    "<script>alert(1)",
    "</script><script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    '<IMG """><SCRIPT>alert("XSS")</SCRIPT>"\\>',
    "<IMG SRC=javascript:alert(String.fromCharCode(88,83,83))>",
    "<IMG SRC=# onmouseover=\"alert('xxs')\">",
    "<IMG onmouseover=\"alert('xxs')\">",
    '<IMG SRC=/ onerror="alert(String.fromCharCode(88,83,83))"></img>',
    "<img src=x:alert(alt) onerror=eval(src) alt=xss>",
    (
        "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#"
        "114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>"
    ),
    (
        "<IMG SRC=&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112"
        "&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088"
        "&#0000083&#0000083&#0000039&#0000041>"
    ),
    (
        "<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&"
        "#x28&#x27&#x58&#x53&#x53&#x27&#x29>"
    ),
    "<IMG SRC=\"jav\tascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x0A;ascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x0D;ascript:alert('XSS');\">",
    "<IMG SRC=\" &#14;  javascript:alert('XSS');\">",
    '<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert("XSS")>',
    "<svg/onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">XSS</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>",
    "<math href=javascript:alert(1)>CLICKME</math>",
    '<iframe src="javascript:alert(1)"></iframe>',
    "<iframe srcdoc='<script>alert(1)</script>'></iframe>",
    '<IFRAME SRC=# onmouseover="alert(document.cookie)"></IFRAME>',
    "<FRAMESET><FRAME SRC=\"javascript:alert('XSS');\"></FRAMESET>",
    '<object data="javascript:alert(1)"></object>',
    '<object type="text/x-scriptlet" data="http://xss.example/scriptlet.html"></object>',
    (
        '<embed src="data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmci'
        'PjxzY3JpcHQ+YWxlcnQoMSk8L3NjcmlwdD48L3N2Zz4=">'
    ),
    '<form action="javascript:alert(1)"><input type=submit></form>',
    '<form><button formaction="javascript:alert(1)">X</button></form>',
    "<input onfocus=alert(1) autofocus>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<audio src=x onerror=alert(1)>",
    "<body onload=alert(1)>",
    "<BGSOUND SRC=\"javascript:alert('XSS');\">",
    '<LINK REL="stylesheet" HREF="javascript:alert(\'XSS\');">',
    '<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:alert(\'XSS\');">',
    (
        '<META HTTP-EQUIV="refresh" CONTENT="0;url=data:text/html;base64,PHNjcmlwdD5hbGVydCgnWFNTJy'
        'k8L3NjcmlwdD4K">'
    ),
    "<BASE HREF=\"javascript:alert('XSS');//\">",
    "<STYLE>li {list-style-image: url(\"javascript:alert('XSS')\");}</STYLE><UL><LI>XSS</br>",
    "<DIV STYLE=\"background-image: url(javascript:alert('XSS'))\">",
    "<DIV STYLE=\"width: expression(alert('XSS'));\">",
    '<p style="behavior: url(xss.htc)">x</p>',
    "<TABLE BACKGROUND=\"javascript:alert('XSS')\"><tr><td>x</td></tr></TABLE>",
    "<TD BACKGROUND=\"javascript:alert('XSS')\">",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="&#x6A;avascript:alert(1)">x</a>',
    '<a href="javascript&colon;alert(1)">x</a>',
    '<a href="java&NewLine;script:alert(1)">x</a>',
    '<a href="java&Tab;script:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="\x01javascript:alert(1)">x</a>',
    '<a href="%6a%61%76%61%73%63%72%69%70%74:alert(1)">x</a>',
    '<a href="javascript%3Aalert(1)">x</a>',
    '<a href="#" onclick="alert(1)">x</a>',
    '<a onmouseover="alert(1)" href="https://example.com/">x</a>',
    '<a href="https://example.com/" style="position:fixed;top:0;left:0;width:100%;height:100%">x</a>',
    "<a href='javas\u00adcript:alert(1)'>x</a>",
    '<a href="jav\u0000ascript:alert(1)">x</a>',
    "<div/onmouseover='alert(1)'>style</div>",
    "<xss onafterscriptexecute=alert(1)><script>1</script>",
    "<template><script>alert(1)</script></template>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<xmp><img src=x onerror=alert(1)></xmp>",
    '<!--<img src="--><img src=x onerror=alert(1)//">',
    "<![CDATA[<script>alert(1)</script>]]>",
    '<a href="javascript:alert(1)" <b>broken</a>',
    '<p title="a"onclick="alert(1)">x</p>',
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '"><script>alert(1)</script>',
    "'';!--\"<XSS>=&{()}",
    # Markdown links and images.
    "[x](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x]( javascript:alert(1) )",
    "[x](javascript&#58;alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](jav&#x09;ascript:alert(1))",
    "[x](javascript\\:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '[x](https://example.com/ "title" onclick="alert(1)")',
    '[x](https://example.com/"onclick="alert(1))',
    "[x](<javascript:alert(1)>)",
    "[x](\\u006aavascript:alert(1))",
    "![x](javascript:alert(1))",
    "![x](https://example.com/x.png)",
    '![x" onerror="alert(1)](https://example.com/x.png)',
    "<javascript:alert(1)>",
    "<vbscript:msgbox(1)>",
    "<data:text/html,<script>alert(1)</script>>",
    "[x][1]\n\n[1]: javascript:alert(1)",
    "[x][1]\n\n[1]: &#106;avascript:alert(1)",
    '[x][a]\n\n[a]: <javascript:alert(1)> "title"',
    "[javascript:alert(1)][]\n\n[javascript:alert(1)]: javascript:alert(1)",
    "[x](https://example.com/)<script>alert(1)</script>",
    "**<script>alert(1)</script>**",
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    "    <script>alert(1)</script>",
    "> <script>alert(1)</script>",
    "| a | b |\n|---|---|\n| <script>alert(1)</script> | [x](javascript:alert(1)) |",
    "# Heading <img src=x onerror=alert(1)>",
    "Heading {: onclick=alert(1) }\n==",
    'paragraph\n{: onclick="alert(1)" style="color:red" }',
    "[x](https://example.com/){: onclick=alert(1) }",
    "*emphasis*{: onmouseover=alert(1) }",
    '<div markdown="1" onclick="alert(1)">*x*</div>',
    "[^1]: <script>alert(1)</script>\n\nText[^1]",
    "[^note]: [x](javascript:alert(1))\n\nText[^note]",
    "http://example.com/<script>alert(1)</script>",
    'https://example.com/"onmouseover="alert(1)',
    'www.example.com/"><script>alert(1)</script>',
    # Wiki links: labels and titles are text, never markup.
    "[[<script>alert(1)</script>]]",
    "[[James Blood|<img src=x onerror=alert(1)>]]",
    '[[James Blood|"><script>alert(1)</script>]]',
    '[[" onmouseover="alert(1)]]',
    "[[javascript:alert(1)]]",
    "[[javascript:alert(1)|click]]",
    '[[Eddy|x" onclick="alert(1)]]',
    "[[x' onclick='alert(1)|label]]",
    "[[James Blood|[x](javascript:alert(1))]]",
    "[[<a href=javascript:alert(1)>x</a>]]",
    "[[a]b]]<script>alert(1)</script>",
    "[[&#106;avascript:alert(1)]]",
    # Citations with junk around them.
    "[^1<script>alert(1)</script>]",
    "[^1](javascript:alert(1))",
    "[^99999999999]<img src=x onerror=alert(1)>",
    "[^1]\n\n[^1]: javascript:alert(1)",
    "Text[^1][^2] <a href=javascript:alert(1)>[^3]</a>",
    # Automatic links next to hostile markup.
    "James Blood <a href=javascript:alert(1)>James Blood</a>",
    '<span title="James Blood" onclick="alert(1)">James Blood</span>',
    "<b onclick=alert(1)>Eddy</b> met James Blood.",
]


def find_problems(html):
    """What in ``html`` could run script or load active content, as a browser parses it."""
    fragment = html5lib.parseFragment(html, treebuilder="etree", namespaceHTMLElements=False)
    problems = []
    for element in fragment.iter():
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.rsplit("}", 1)[-1].lower()
        if tag in FORBIDDEN_ELEMENTS:
            problems.append(f"<{tag}> element")
        for name, value in element.attrib.items():
            name = name.rsplit("}", 1)[-1].lower() if name.startswith("{") else name.lower()
            if name.startswith("on"):
                problems.append(f"{name} handler on <{tag}>")
            if name == "style":
                problems.append(f"style attribute on <{tag}>")
            if name in URL_ATTRIBUTES or name.endswith(":href"):
                normalized = IGNORED_IN_URLS.sub("", value).lower()
                scheme = SCHEME.match(normalized)
                if scheme and scheme.group(1) not in SAFE_SCHEMES:
                    problems.append(f"{name}={value!r} on <{tag}>")
    return problems


@pytest.fixture
def known_names():
    blood = CharacterFactory(title="James Blood")
    AliasFactory(title="Eddy", page=CharacterFactory(title="Edmond Chandler"))
    return blood


def test_the_corpus_is_substantial():
    assert len(VECTORS) >= 80


@pytest.mark.parametrize("vector", VECTORS)
def test_rendered_text_cannot_run_script_or_load_active_content(known_names, vector):
    html = str(render_markdown(vector))
    assert find_problems(html) == [], html


@pytest.mark.parametrize("vector", VECTORS)
def test_vectors_stay_harmless_inside_a_page_with_citations_and_links(known_names, vector):
    text = f"[[James Blood]] and Eddy met.[^1]\n\n{vector}\n\nAfter[^2] [[Nowhere|red]]."
    html = str(render_markdown(text, page=known_names))
    assert find_problems(html) == [], html


def test_the_checker_notices_what_it_guards_against():
    dangerous = (
        '<a href="jav&#x09;ascript:alert(1)">x</a><p onclick="x">y</p><svg></svg>'
        '<span style="color:red">z</span><img src="data:image/png;base64,AA">'
    )
    assert find_problems(dangerous) == [
        "href='jav\\tascript:alert(1)' on <a>",
        "onclick handler on <p>",
        "<svg> element",
        "style attribute on <span>",
        "<img> element",
        "src='data:image/png;base64,AA' on <img>",
    ]


def test_safe_links_survive_sanitising(known_names):
    html = str(
        render_markdown(
            "[web](https://example.com/a?b=c) [mail](mailto:editor@example.com) "
            "[page](/wiki/x/) [[James Blood]]"
        )
    )
    assert 'href="https://example.com/a?b=c"' in html
    assert 'href="mailto:editor@example.com"' in html
    assert 'href="/wiki/x/"' in html
    assert 'href="/characters/james-blood/"' in html


def test_wiki_link_labels_and_titles_are_shown_as_text(known_names):
    html = str(render_markdown('[[James Blood|<b>bold</b> "quoted"]] [[<i>Missing</i>]]'))
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "<b>" not in html and "<i>" not in html
    assert 'title="&lt;i&gt;Missing&lt;/i&gt; (page does not exist)"' in html


def test_images_are_dropped_rather_than_loaded_from_elsewhere(known_names):
    html = str(render_markdown("![a cat](https://example.com/cat.png) text"))
    assert "<img" not in html
    assert "text" in html
