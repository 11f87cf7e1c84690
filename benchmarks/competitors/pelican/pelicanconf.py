"""Minimal Pelican site for the scale benchmark: an article page per statement, a page per
month, a page per issuer (Pelican's author pages), a home page. Content is written by
../prepare.py; the build command sets the content and output folders."""

AUTHOR = "KCNA"
SITENAME = "Benchmark Archive"
SITEURL = ""
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
THEME = "theme"
PATH = "content"

ARTICLE_URL = "statements/{slug}/"
ARTICLE_SAVE_AS = "statements/{slug}/index.html"
AUTHOR_URL = "issuers/{slug}/"
AUTHOR_SAVE_AS = "issuers/{slug}/index.html"
MONTH_ARCHIVE_URL = "timeline/{date:%Y}/{date:%m}/"
MONTH_ARCHIVE_SAVE_AS = "timeline/{date:%Y}/{date:%m}/index.html"
YEAR_ARCHIVE_SAVE_AS = ""
DAY_ARCHIVE_SAVE_AS = ""
ARCHIVES_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
CATEGORY_SAVE_AS = ""
CATEGORIES_SAVE_AS = ""
TAG_SAVE_AS = ""
TAGS_SAVE_AS = ""
PAGE_SAVE_AS = ""
DRAFT_SAVE_AS = ""
DIRECT_TEMPLATES = ["index"]
DEFAULT_PAGINATION = False

FEED_ALL_ATOM = None
FEED_ALL_RSS = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None

CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False
RELATIVE_URLS = True
SUMMARY_MAX_LENGTH = None
