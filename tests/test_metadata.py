"""Article metadata: headline, date, byline, section, outlet and URL, from pages marked up the way news sites do.

Each page copies how one site really marks up its metadata (which meta tags, which JSON-LD shape, which visible
byline); the stories, names and addresses are invented.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qa.chunking import ChunkerSettings, chunk_article
from qa.ingest import read_article
from qa.metadata import Metadata, folder_section, from_html, from_text, normalise_date
from qa.records import Article

BODY = """<p>The harbour authority said on Tuesday that the new ferry terminal would open to passengers next spring,
a year later than first planned.</p>
<p>Engineers found the old pier foundations were weaker than surveys had shown, the authority said.</p>
<p>"We would rather open late than open something unsafe," said its chair, Ines Okafor.</p>"""

# BBC News: ReportageNewsArticle JSON-LD with a Person list and a NewsMediaOrganization publisher, og:site_name,
# a byline in a "TextContributorName" div and <time data-testid="timestamp">.
BBC = f"""<!DOCTYPE html><html lang="en-GB"><head><meta charSet="utf-8"/>
<title>Ferry terminal opening delayed by a year - BBC News</title>
<meta name="description" content="Weak pier foundations push the opening back."/>
<meta property="og:title" content="Ferry terminal opening delayed by a year"/>
<meta property="og:type" content="article"/>
<meta property="og:url" content="https://www.bbc.com/news/articles/c0ferry123o"/>
<meta property="og:site_name" content="BBC News"/>
<meta name="twitter:site" content="@BBCNews"/>
<link rel="canonical" href="https://www.bbc.com/news/articles/c0ferry123o"/>
<script type="application/ld+json">{{"@context":"http://schema.org","@type":"ReportageNewsArticle",
"url":"https://www.bbc.com/news/articles/c0ferry123o","publisher":{{"@type":"NewsMediaOrganization",
"name":"BBC News","publishingPrinciples":"https://www.bbc.com/news/help-41670342","logo":{{"@type":"ImageObject",
"url":"https://static.files.bbci.co.uk/news/logo.png"}}}},"datePublished":"2025-03-11T06:12:44.123Z",
"dateModified":"2025-03-12T09:00:00.000Z","description":"Weak pier foundations push the opening back.",
"headline":"Ferry terminal opening delayed by a year","image":{{"@type":"ImageObject","width":1024,"height":576,
"url":"https://ichef.bbci.co.uk/news/1024/ferry.jpg"}},"thumbnailUrl":"https://ichef.bbci.co.uk/news/1024/ferry.jpg",
"mainEntityOfPage":"https://www.bbc.com/news/articles/c0ferry123o",
"author":[{{"@type":"Person","name":"Tomos Pritchard"}}]}}</script>
</head><body><div id="__next"><header><a href="/news">News</a> <a href="/sport">Sport</a></header>
<main><article><div data-component="headline-block"><h1 class="ssrcss-1s9pby4-Heading">Ferry terminal opening
delayed by a year</h1></div>
<div data-component="byline-block"><time data-testid="timestamp" datetime="2025-03-11T06:12:44.123Z">11 March 2025
</time><div class="ssrcss-68pt20-Text-TextContributorName">Tomos Pritchard</div>
<div class="ssrcss-84ltp5-Text">BBC Wales transport correspondent</div></div>
<div data-component="text-block">{BODY}</div></article></main></div></body></html>"""

# The Guardian: a top-level JSON-LD *list* (NewsArticle + WebPage), article:author holding profile URLs, a name=author
# meta, article:section, og:site_name in lower case, and "Headline | Section | The Guardian" as <title>.
GUARDIAN = f"""<!doctype html><html lang="en"><head>
<title>Ferry terminal opening delayed by a year | Transport | The Guardian</title>
<meta name="description" content="Weak pier foundations push the opening back.">
<meta name="author" content="Hannah Lowry">
<meta property="og:url" content="https://www.theguardian.com/uk-news/2025/mar/11/ferry-terminal-delayed">
<meta property="article:author" content="https://www.theguardian.com/profile/hannah-lowry">
<meta property="og:type" content="article">
<meta property="og:title" content="Ferry terminal opening delayed by a year">
<meta property="og:site_name" content="the Guardian">
<meta property="article:published_time" content="2025-03-11T07:00:12.000Z">
<meta property="article:modified_time" content="2025-03-12T10:31:00.000Z">
<meta property="article:section" content="Transport">
<meta property="article:publisher" content="https://www.facebook.com/theguardian">
<link rel="canonical" href="https://www.theguardian.com/uk-news/2025/mar/11/ferry-terminal-delayed">
<script type="application/ld+json">[{{"@context":"https://schema.org","@type":"NewsArticle",
"@id":"https://amp.theguardian.com/uk-news/2025/mar/11/ferry-terminal-delayed",
"publisher":{{"@type":"Organization","name":"The Guardian","sameAs":"https://www.theguardian.com/",
"logo":{{"@type":"ImageObject","url":"https://uploads.guim.co.uk/logo.png","width":190,"height":60}}}},
"isAccessibleForFree":true,"isPartOf":{{"@type":["CreativeWork","Product"],"name":"The Guardian"}},
"image":["https://i.guim.co.uk/img/media/ferry.jpg"],"author":[{{"@type":"Person","name":"Hannah Lowry",
"sameAs":"https://www.theguardian.com/profile/hannah-lowry"}}],"datePublished":"2025-03-11T07:00:12.000Z",
"headline":"Ferry terminal opening delayed by a year","dateModified":"2025-03-12T10:31:00.000Z",
"mainEntityOfPage":"https://www.theguardian.com/uk-news/2025/mar/11/ferry-terminal-delayed"}},
{{"@type":"WebPage","@context":"https://schema.org",
"@id":"https://www.theguardian.com/uk-news/2025/mar/11/ferry-terminal-delayed",
"potentialAction":{{"@type":"ViewAction","target":"android-app://com.guardian/https/www.theguardian.com/x"}}}}]
</script></head><body><header><a href="/">News</a><a href="/sport">Sport</a></header>
<main><article><div data-gu-name="headline"><h1>Ferry terminal opening delayed by a year</h1></div>
<address aria-label="Contributor info"><a rel="author" href="https://www.theguardian.com/profile/hannah-lowry">
Hannah Lowry</a> Transport correspondent</address>
<details><summary>Tue 11 Mar 2025 07.00 GMT</summary></details>
<div id="maincontent">{BODY}</div></article></main></body></html>"""

# The New York Times: a "byl" meta ("By A and B"), article:section, and JSON-LD whose publisher is only an @id
# reference resolved by a second JSON-LD script (NewsMediaOrganization); no og:site_name.
NYT = f"""<!DOCTYPE html><html lang="en"><head>
<title>Ferry Terminal Opening Delayed by a Year - The New York Times</title>
<meta data-rh="true" property="og:url" content="https://www.nytimes.com/2025/03/11/nyregion/ferry-terminal.html"/>
<meta data-rh="true" property="og:type" content="article"/>
<meta data-rh="true" property="og:title" content="Ferry Terminal Opening Delayed by a Year"/>
<meta data-rh="true" property="article:published_time" content="2025-03-11T05:00:07.000Z"/>
<meta data-rh="true" property="article:modified_time" content="2025-03-11T15:20:33.000Z"/>
<meta data-rh="true" property="article:section" content="New York"/>
<meta data-rh="true" name="byl" content="By Daniel Abernathy and María Ruiz"/>
<meta data-rh="true" name="pdate" content="20250311"/>
<link data-rh="true" rel="canonical" href="https://www.nytimes.com/2025/03/11/nyregion/ferry-terminal.html"/>
<script data-rh="true" type="application/ld+json">{{"@context":"https://schema.org","@type":"NewsArticle",
"description":"Weak pier foundations push the opening back.","mainEntityOfPage":
"https://www.nytimes.com/2025/03/11/nyregion/ferry-terminal.html","url":
"https://www.nytimes.com/2025/03/11/nyregion/ferry-terminal.html","author":[{{"@context":"https://schema.org",
"@type":"Person","url":"https://www.nytimes.com/by/daniel-abernathy","name":"Daniel Abernathy"}},
{{"@context":"https://schema.org","@type":"Person","url":"https://www.nytimes.com/by/maria-ruiz","name":"María Ruiz"}}],
"dateModified":"2025-03-11T11:20:33.000-04:00","datePublished":"2025-03-11T01:00:07.000-04:00",
"headline":"Ferry Terminal Opening Delayed by a Year","publisher":{{"@id":"https://www.nytimes.com/#publisher"}},
"copyrightHolder":{{"@id":"https://www.nytimes.com/#publisher"}},"isAccessibleForFree":false}}</script>
<script data-rh="true" type="application/ld+json">{{"@context":"https://schema.org",
"@type":"NewsMediaOrganization","name":"The New York Times","logo":{{"@context":"https://schema.org",
"@type":"ImageObject","url":"https://static01.nyt.com/images/misc/NYT_logo_rss_250x40.png","height":40,"width":250}},
"url":"https://www.nytimes.com/","@id":"https://www.nytimes.com/#publisher"}}</script>
</head><body><div id="app"><main id="site-content"><article id="story">
<header><h1 data-testid="headline" class="css-1j5ig2m e1h9rw200">Ferry Terminal Opening Delayed by a Year</h1>
<p class="css-4w7y5l e1wiw3jv0"><span class="byline-prefix">By </span><span class="css-1baulvz last-byline"
itemprop="name"><a href="https://www.nytimes.com/by/daniel-abernathy">Daniel Abernathy</a></span> and
<span class="css-1baulvz last-byline"><a href="https://www.nytimes.com/by/maria-ruiz">María Ruiz</a></span></p>
<time datetime="2025-03-11T01:00:07-04:00">March 11, 2025</time></header>
<section name="articleBody">{BODY}</section></article></main></div></body></html>"""

# Reuters: meta tags written with name= (not property=) and no JSON-LD at all; a visible rel=author byline.
REUTERS = f"""<!DOCTYPE html><html lang="en"><head>
<title>Ferry terminal opening delayed by a year | Reuters</title>
<meta name="description" content="Weak pier foundations push the opening back.">
<meta name="article:published_time" content="2025-03-11T14:32:05Z">
<meta name="article:modified_time" content="2025-03-11T15:02:11Z">
<meta name="article:section" content="World">
<meta name="article:author" content="Kofi Mensah">
<meta property="og:site_name" content="Reuters">
<meta property="og:title" content="Ferry terminal opening delayed by a year">
<meta property="og:url" content="https://www.reuters.com/world/ferry-terminal-opening-delayed-2025-03-11/">
<meta name="twitter:site" content="@Reuters">
</head><body><header><nav><a href="/world/">World</a><a href="/business/">Business</a></nav></header>
<main><article><h1 data-testid="Heading">Ferry terminal opening delayed by a year</h1>
<div class="article-header__dateline"><time datetime="2025-03-11T14:32:05Z">March 11, 2025 2:32 PM GMT</time></div>
<div data-testid="AuthorByline">By <a rel="author" href="/authors/kofi-mensah/">Kofi Mensah</a></div>
<div class="article-body__content">{BODY}</div>
<p>Reporting by Kofi Mensah; Editing by Alison Grey</p></article></main></body></html>"""

# AP News: JSON-LD authors as plain strings, a section list, and an upper-case visible byline; og:site_name AP News.
AP = f"""<!DOCTYPE html><html lang="en"><head>
<title>Ferry terminal opening delayed by a year | AP News</title>
<meta property="og:title" content="Ferry terminal opening delayed by a year">
<meta property="og:site_name" content="AP News">
<meta property="og:url" content="https://apnews.com/article/ferry-terminal-delay-4f1c2a9b8e7d">
<meta property="article:published_time" content="2025-03-11T18:04:31">
<meta property="article:section" content="U.S. News">
<link rel="canonical" href="https://apnews.com/article/ferry-terminal-delay-4f1c2a9b8e7d">
<script type="application/ld+json">{{"@context":"http://schema.org","@type":"NewsArticle",
"articleSection":["U.S. News","Transportation"],"author":["JOANNA KOWALSKI","PETER DUNNE"],
"dateModified":"2025-03-11T19:10:02Z","datePublished":"2025-03-11T18:04:31Z",
"headline":"Ferry terminal opening delayed by a year","keywords":["Transportation"],
"mainEntityOfPage":{{"@type":"WebPage","@id":"https://apnews.com/article/ferry-terminal-delay-4f1c2a9b8e7d"}},
"publisher":{{"@type":"Organization","name":"Associated Press","logo":{{"@type":"ImageObject",
"url":"https://apnews.com/logo.png"}}}},"url":"https://apnews.com/article/ferry-terminal-delay-4f1c2a9b8e7d"}}
</script></head><body><main class="Page-main"><div class="Page-lead"><h1 class="Page-headline">Ferry terminal
opening delayed by a year</h1></div>
<div class="Page-authors">By <a class="Link" href="https://apnews.com/author/joanna-kowalski">JOANNA KOWALSKI</a>
and <a class="Link" href="https://apnews.com/author/peter-dunne">PETER DUNNE</a></div>
<bsp-timestamp data-timestamp="1741716271000"><span>Updated 7:10 PM UTC, March 11, 2025</span></bsp-timestamp>
<div class="RichTextStoryBody RichTextBody">{BODY}</div></main></body></html>"""

# The Washington Post: JSON-LD NewsArticle with an object author and an isPartOf/publisher pair, og:site_name
# "Washington Post", article:section, and a byline with data-qa="author-name" and rel=author.
WAPO = f"""<!DOCTYPE html><html lang="en"><head>
<title>Ferry terminal opening delayed by a year - The Washington Post</title>
<meta property="og:title" content="Ferry terminal opening delayed by a year">
<meta property="og:site_name" content="Washington Post">
<meta property="og:type" content="article">
<meta property="article:section" content="Local">
<meta property="article:published_time" content="2025-03-11T20:45:00Z">
<meta property="article:author" content="https://www.washingtonpost.com/people/rebecca-tan/">
<meta name="author" content="Rebecca Tan">
<link rel="canonical" href="https://www.washingtonpost.com/dc-md-va/2025/03/11/ferry-terminal-delay/">
<script type="application/ld+json">{{"@context":"https://schema.org","@type":"NewsArticle",
"headline":"Ferry terminal opening delayed by a year","datePublished":"2025-03-11T16:45:00-04:00",
"dateModified":"2025-03-11T17:02:00-04:00","author":{{"@type":"Person","name":"Rebecca Tan",
"url":"https://www.washingtonpost.com/people/rebecca-tan/"}},"isPartOf":{{"@type":["CreativeWork","Product"],
"name":"The Washington Post","productID":"washingtonpost.com:basic"}},"publisher":{{"@type":"Organization",
"name":"The Washington Post","logo":{{"@type":"ImageObject","url":"https://www.washingtonpost.com/logo.png"}}}}}}
</script></head><body><main><article><h1 data-qa="headline">Ferry terminal opening delayed by a year</h1>
<div data-qa="author-byline">By <a rel="author" data-qa="author-name"
href="https://www.washingtonpost.com/people/rebecca-tan/">Rebecca Tan</a></div>
<span data-qa="display-date">March 11, 2025 at 4:45 p.m. EDT</span>
<div class="article-body">{BODY}</div></article></main></body></html>"""

# A WordPress local paper with Yoast SEO: one JSON-LD @graph, an @type list, author and publisher as @id references
# resolved to Person and Organization nodes, articleSection a list; the theme's own byline and two <time>s.
WORDPRESS = f"""<!DOCTYPE html><html lang="en-US"><head><meta charset="UTF-8">
<title>Ferry terminal opening delayed by a year &#8211; Millbrook Gazette</title>
<link rel="canonical" href="https://millbrookgazette.com/2025/03/11/ferry-terminal-opening-delayed/" />
<meta property="og:locale" content="en_US" />
<meta property="og:type" content="article" />
<meta property="og:title" content="Ferry terminal opening delayed by a year - Millbrook Gazette" />
<meta property="og:url" content="https://millbrookgazette.com/2025/03/11/ferry-terminal-opening-delayed/" />
<meta property="og:site_name" content="Millbrook Gazette" />
<meta property="article:published_time" content="2025-03-11T13:15:00+00:00" />
<meta name="author" content="Carla Benedetti" />
<meta name="twitter:label1" content="Written by" /><meta name="twitter:data1" content="Carla Benedetti" />
<script type="application/ld+json" class="yoast-schema-graph">{{"@context":"https://schema.org","@graph":[
{{"@type":["Article","NewsArticle"],"@id":"https://millbrookgazette.com/2025/03/11/ferry-terminal-opening-delayed/#article",
"isPartOf":{{"@id":"https://millbrookgazette.com/2025/03/11/ferry-terminal-opening-delayed/"}},
"author":{{"@id":"https://millbrookgazette.com/#/schema/person/5f2b"}},"headline":"Ferry terminal opening delayed by a year",
"datePublished":"2025-03-11T13:15:00+00:00","dateModified":"2025-03-11T14:00:00+00:00",
"mainEntityOfPage":{{"@id":"https://millbrookgazette.com/2025/03/11/ferry-terminal-opening-delayed/"}},
"publisher":{{"@id":"https://millbrookgazette.com/#organization"}},"articleSection":["Harbour","Local News"],
"inLanguage":"en-US"}},
{{"@type":"WebPage","@id":"https://millbrookgazette.com/2025/03/11/ferry-terminal-opening-delayed/",
"url":"https://millbrookgazette.com/2025/03/11/ferry-terminal-opening-delayed/",
"name":"Ferry terminal opening delayed by a year - Millbrook Gazette"}},
{{"@type":"Organization","@id":"https://millbrookgazette.com/#organization","name":"Millbrook Gazette",
"url":"https://millbrookgazette.com/"}},
{{"@type":"Person","@id":"https://millbrookgazette.com/#/schema/person/5f2b","name":"Carla Benedetti",
"url":"https://millbrookgazette.com/author/cbenedetti/"}}]}}</script>
</head><body class="post-template-default single single-post"><div id="page" class="site">
<header id="masthead" class="site-header"><p class="site-title"><a href="/" rel="home">Millbrook Gazette</a></p></header>
<main id="main"><article class="post type-post status-publish">
<header class="entry-header"><h1 class="entry-title">Ferry terminal opening delayed by a year</h1>
<div class="entry-meta"><span class="posted-on">Posted on <a href="/2025/03/11/" rel="bookmark">
<time class="entry-date published" datetime="2025-03-11T13:15:00+00:00">March 11, 2025</time>
<time class="updated" datetime="2025-03-11T14:00:00+00:00">March 11, 2025</time></a></span>
<span class="byline"> by <span class="author vcard"><a class="url fn n" href="/author/cbenedetti/">Carla Benedetti</a>
</span></span></div></header>
<div class="entry-content">{BODY}</div></article>
<div id="comments"><ol class="comment-list"><li><cite class="fn">Gary Oldham</cite> Great news!</li></ol></div>
</main></div></body></html>"""

# Substack: NewsArticle JSON-LD with a Person list (with url and identifier) and an Organization publisher that is
# the newsletter; meta name=author; the visible byline in "profile-hover-card" links.
SUBSTACK = f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>Ferry terminal opening delayed by a year - by Lena Fischer</title>
<meta name="author" content="Lena Fischer">
<meta property="og:type" content="article">
<meta property="og:title" content="Ferry terminal opening delayed by a year">
<meta property="og:url" content="https://harbourlines.substack.com/p/ferry-terminal-opening-delayed">
<link rel="canonical" href="https://harbourlines.substack.com/p/ferry-terminal-opening-delayed">
<script type="application/ld+json">{{"@context":"https://schema.org","@type":"NewsArticle",
"url":"https://harbourlines.substack.com/p/ferry-terminal-opening-delayed",
"mainEntityOfPage":"https://harbourlines.substack.com/p/ferry-terminal-opening-delayed",
"headline":"Ferry terminal opening delayed by a year","description":"Why the pier was the problem",
"image":[{{"@type":"ImageObject","url":"https://substackcdn.com/image/fetch/ferry.jpg"}}],
"datePublished":"2025-03-11T11:02:44+00:00","dateModified":"2025-03-11T11:02:44+00:00",
"isAccessibleForFree":true,"author":[{{"@type":"Person","name":"Lena Fischer",
"url":"https://substack.com/@lenafischer","description":"Writes about ports.","identifier":"user:8812",
"image":{{"@type":"ImageObject","contentUrl":"https://substackcdn.com/lena.png"}}}}],
"publisher":{{"@type":"Organization","name":"Harbour Lines","url":"https://harbourlines.substack.com",
"description":"A newsletter about ports","identifier":"pub:4410","logo":{{"@type":"ImageObject",
"url":"https://substackcdn.com/logo.png"}}}}}}</script>
</head><body><div id="entry"><div class="single-post"><div class="post-header"><h1 class="post-title">Ferry
terminal opening delayed by a year</h1><h3 class="subtitle">Why the pier was the problem</h3>
<div class="post-meta"><a class="pencraft frontend-pencraft-Text-module__decoration-hover-underline"
href="https://substack.com/@lenafischer">Lena Fischer</a><div class="pencraft">Mar 11, 2025</div></div></div>
<div class="available-content"><div class="body markup">{BODY}</div></div></div></div></body></html>"""

# Los Angeles Times: no JSON-LD author and no site name in meta; the byline and date are in the visible markup only
# (a "byline" box with an "author-name" link and <time class="published-date"> with a -0700 offset, late at night).
LATIMES = f"""<!DOCTYPE html><html lang="en"><head>
<title>Ferry terminal opening delayed by a year - Los Angeles Times</title>
<meta property="og:title" content="Ferry terminal opening delayed by a year">
<meta property="og:type" content="article">
<meta property="og:site_name" content="Los Angeles Times">
<meta property="article:section" content="California">
<link rel="canonical" href="https://www.latimes.com/california/story/2025-03-11/ferry-terminal-delayed">
</head><body><ps-header></ps-header><main><article class="page-article">
<h1 class="headline">Ferry terminal opening delayed by a year</h1>
<div class="byline"><div class="author-name">By <a class="link" href="https://www.latimes.com/people/ruben-vives">
Rubén Ochoa</a></div><div class="author-title">Staff Writer</div></div>
<div class="published-date"><time class="published-date-day" datetime="2025-03-11T23:30:00-0700">March 11, 2025
11:30 PM PT</time></div>
<div class="page-article-body"><div class="rich-text-article-body">{BODY}</div></div></article></main></body></html>"""

# CNN: name=author "A, B, CNN" with the outlet after the names, pubdate and meta-section metas, and JSON-LD with the
# authors as Person objects and articleSection a list; byline__name spans.
CNN = f"""<!DOCTYPE html><html lang="en" data-layout-uri="cms.cnn.com/_layouts/layout-with-rail/instances/article">
<head><title>Ferry terminal opening delayed by a year | CNN</title>
<meta name="author" content="Sofia Marchetti, Arjun Rao, CNN">
<meta name="pubdate" content="2025-03-11T10:00:41.123Z">
<meta name="lastmod" content="2025-03-11T12:00:00.000Z">
<meta name="meta-section" content="us">
<meta property="og:site_name" content="CNN">
<meta property="og:title" content="Ferry terminal opening delayed by a year">
<meta property="og:url" content="https://www.cnn.com/2025/03/11/us/ferry-terminal-delay/index.html">
<meta name="section-name" content="us">
<link rel="canonical" href="https://www.cnn.com/2025/03/11/us/ferry-terminal-delay/index.html">
<script type="application/ld+json">{{"@context":"http://schema.org","@type":"NewsArticle",
"headline":"Ferry terminal opening delayed by a year","datePublished":"2025-03-11T10:00:41.123Z",
"dateModified":"2025-03-11T12:00:00.000Z","articleSection":["us"],"author":[{{"@type":"Person",
"name":"Sofia Marchetti","url":"https://www.cnn.com/profiles/sofia-marchetti"}},{{"@type":"Person",
"name":"Arjun Rao"}}],"publisher":{{"@type":"Organization","name":"CNN","logo":{{"@type":"ImageObject",
"url":"https://www.cnn.com/media/sites/cnn/cnn-logo.png"}}}}}}</script>
</head><body><div class="layout__content-wrapper"><h1 class="headline__text">Ferry terminal opening delayed by a year
</h1><div class="byline__names"><span class="byline__name">Sofia Marchetti</span> and
<span class="byline__name">Arjun Rao</span>, CNN</div>
<div class="timestamp vossi-timestamp">Updated 8:00 AM EDT, Tue March 11, 2025</div>
<div class="article__content">{BODY}</div></div></body></html>"""


# (page, title, date, author, section, outlet, url)
SITES = {
    "bbc": (
        BBC,
        Metadata(
            title="Ferry terminal opening delayed by a year",
            date="2025-03-11",
            author="Tomos Pritchard",
            section=None,
            outlet="BBC News",
            url="https://www.bbc.com/news/articles/c0ferry123o",
        ),
    ),
    "guardian": (
        GUARDIAN,
        Metadata(
            title="Ferry terminal opening delayed by a year",
            date="2025-03-11",
            author="Hannah Lowry",
            section="Transport",
            outlet="The Guardian",
            url="https://www.theguardian.com/uk-news/2025/mar/11/ferry-terminal-delayed",
        ),
    ),
    "nyt": (
        NYT,
        Metadata(
            title="Ferry Terminal Opening Delayed by a Year",
            date="2025-03-11",
            author="Daniel Abernathy; María Ruiz",
            section="New York",
            outlet="The New York Times",
            url="https://www.nytimes.com/2025/03/11/nyregion/ferry-terminal.html",
        ),
    ),
    "reuters": (
        REUTERS,
        Metadata(
            title="Ferry terminal opening delayed by a year",
            date="2025-03-11",
            author="Kofi Mensah",
            section="World",
            outlet="Reuters",
            url="https://www.reuters.com/world/ferry-terminal-opening-delayed-2025-03-11/",
        ),
    ),
    "ap": (
        AP,
        Metadata(
            title="Ferry terminal opening delayed by a year",
            date="2025-03-11",
            author="Joanna Kowalski; Peter Dunne",
            section="U.S. News",
            outlet="Associated Press",
            url="https://apnews.com/article/ferry-terminal-delay-4f1c2a9b8e7d",
        ),
    ),
    "washington-post": (
        WAPO,
        Metadata(
            title="Ferry terminal opening delayed by a year",
            date="2025-03-11",  # 16:45 in Washington, as written (20:45 UTC is the same day anyway)
            author="Rebecca Tan",
            section="Local",
            outlet="The Washington Post",
            url="https://www.washingtonpost.com/dc-md-va/2025/03/11/ferry-terminal-delay/",
        ),
    ),
    "wordpress-yoast": (
        WORDPRESS,
        Metadata(
            title="Ferry terminal opening delayed by a year",
            date="2025-03-11",
            author="Carla Benedetti",
            section="Harbour",
            outlet="Millbrook Gazette",
            url="https://millbrookgazette.com/2025/03/11/ferry-terminal-opening-delayed/",
        ),
    ),
    "substack": (
        SUBSTACK,
        Metadata(
            title="Ferry terminal opening delayed by a year",
            date="2025-03-11",
            author="Lena Fischer",
            section=None,
            outlet="Harbour Lines",
            url="https://harbourlines.substack.com/p/ferry-terminal-opening-delayed",
        ),
    ),
    "latimes": (
        LATIMES,
        Metadata(
            title="Ferry terminal opening delayed by a year",
            date="2025-03-11",  # 23:30 Pacific: the 12th in UTC, but published on the 11th
            author="Rubén Ochoa",
            section="California",
            outlet="Los Angeles Times",
            url="https://www.latimes.com/california/story/2025-03-11/ferry-terminal-delayed",
        ),
    ),
    "cnn": (
        CNN,
        Metadata(
            title="Ferry terminal opening delayed by a year",
            date="2025-03-11",
            author="Sofia Marchetti; Arjun Rao",
            section="us",
            outlet="CNN",
            url="https://www.cnn.com/2025/03/11/us/ferry-terminal-delay/index.html",
        ),
    ),
}


def write(path: Path, data: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data, encoding="utf-8", newline="")
    return path


def fields(article: Article) -> tuple[str | None, ...]:
    return (article.title, article.date, article.author, article.section, article.outlet, article.url)


def passages(article: Article) -> list[str]:
    def words(texts: list[str]) -> list[int]:
        return [len(t.split()) for t in texts]

    def offsets(text: str) -> list[tuple[int, int]]:
        return [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]

    chunks = chunk_article(article, words, offsets, ChunkerSettings(max_tokens=60, target_tokens=30))
    for chunk in chunks:
        assert article.text[chunk.start : chunk.end] == chunk.text
    return [chunk.text for chunk in chunks]


# --- HTML -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("site", SITES)
def test_news_site_markup_gives_every_field(site: str) -> None:
    page, expected = SITES[site]
    assert from_html(page) == expected


@pytest.mark.parametrize("site", SITES)
def test_read_article_carries_the_page_metadata_over_the_folder(tmp_path: Path, site: str) -> None:
    page, expected = SITES[site]
    article = read_article(write(tmp_path / "saved" / f"{site}.html", page), tmp_path)
    assert fields(article) == (
        expected.title,
        expected.date,
        expected.author,
        expected.section or "saved",  # the page's own section wins; the folder fills in where it names none
        expected.outlet,
        expected.url,
    )
    assert "pier foundations were weaker" in article.text


def test_a_page_with_nothing_but_text_has_no_metadata_and_no_date_from_its_story() -> None:
    """A date mentioned in the story is not when the story was published (trafilatura would take it)."""
    page = (
        "<html><body><div><p>On March 3, 2005 the council first discussed the bridge over the river.</p>"
        "<p>It voted on Tuesday to approve the plan after years of delay.</p></div></body></html>"
    )
    assert from_html(page) == Metadata()


def test_broken_json_ld_and_url_authors_fall_back_to_meta_tags() -> None:
    page = """<html><head>
    <script type="application/ld+json">{"@type": "NewsArticle", "headline": "Broken, </script>
    <meta property="article:author" content="https://www.facebook.com/someone">
    <meta name="parsely-author" content="Ana Lima"><meta name="parsely-author" content="Bo Chen">
    <meta name="parsely-pub-date" content="2024-06-14T18:30:00Z"><meta name="parsely-section" content="Metro">
    <meta name="sailthru.title" content="Bridge vote passes"></head><body><p>Text.</p></body></html>"""
    assert from_html(page) == Metadata(
        title="Bridge vote passes", date="2024-06-14", author="Ana Lima; Bo Chen", section="Metro"
    )


def test_dublin_core_and_twitter_tags() -> None:
    page = """<html><head><meta name="twitter:title" content="Tide mill restored">
    <meta name="DC.creator" content="Olu Adeyemi"><meta name="DC.date.issued" content="2019-11-02">
    <meta name="DC.publisher" content="Estuary Weekly"></head><body><p>Text.</p></body></html>"""
    assert from_html(page) == Metadata(
        title="Tide mill restored", date="2019-11-02", author="Olu Adeyemi", outlet="Estuary Weekly"
    )


def test_an_unparseable_page_gives_no_metadata() -> None:
    assert from_html("") == Metadata()
    assert from_html('<?xml version="1.0" encoding="utf-8"?><html><head><title>T</title></head></html>').title == "T"


# --- text and Markdown ----------------------------------------------------------------------------------------

FRONT_MATTER = """---
title: "Harbour Board Approves Dredging Plan"
date: 2024-06-11T09:30:00+02:00
authors:
  - Mirela Petrova
  - name: Jonas Berg
category: [Harbour, Environment]
url: https://coastal-courier.example/harbour/dredging-plan
source: Coastal Courier
tags: [dredging, port]
---
# Harbour Board Approves Dredging Plan

The harbour board approved a plan on Monday to deepen the main channel by two metres.

Work will start in September and take about eight months, the board said.
"""


def test_markdown_front_matter_gives_the_fields_and_stays_out_of_passages(tmp_path: Path) -> None:
    article = read_article(write(tmp_path / "harbour" / "dredging.md", FRONT_MATTER), tmp_path)
    assert fields(article) == (
        "Harbour Board Approves Dredging Plan",
        "2024-06-11",  # 09:30 at +02:00, as written
        "Mirela Petrova; Jonas Berg",
        "Harbour",  # the front matter's category, not the folder
        "Coastal Courier",
        "https://coastal-courier.example/harbour/dredging-plan",
    )
    assert article.text == FRONT_MATTER  # the file's own text: offsets still index it
    end = FRONT_MATTER.index("# Harbour Board")
    assert all(start >= end for start, _ in article.blocks)
    found = passages(article)
    assert found and not any("---" in p or "authors" in p or "Coastal Courier" in p for p in found)
    assert found[0].startswith("# Harbour Board Approves Dredging Plan")


def test_front_matter_with_an_unquoted_colon_is_still_front_matter(tmp_path: Path) -> None:
    text = (
        "---\ntitle: Budget: what it means for you\nauthor: Sam Ortiz\ndate: 3 March 2005\n---\nThe budget was set.\n"
    )
    article = read_article(write(tmp_path / "budget.txt", text), tmp_path)
    assert fields(article) == ("Budget: what it means for you", "2005-03-03", "Sam Ortiz", None, None, None)
    assert [article.text[s:e] for s, e in article.blocks] == ["The budget was set."]


def test_front_matter_without_a_title_takes_the_first_line_never_the_rule(tmp_path: Path) -> None:
    text = "---\nauthor: Sam Ortiz\n---\n\nLighthouse Keeper Retires\n\nShe kept the light for forty years.\n"
    article = read_article(write(tmp_path / "keeper.md", text), tmp_path)
    assert article.title == "Lighthouse Keeper Retires"
    assert article.author == "Sam Ortiz"
    assert "---" not in " ".join(passages(article))


def test_rules_that_are_not_front_matter_are_kept_but_never_a_title(tmp_path: Path) -> None:
    text = "---\nA quiet week on the river, and then the flood.\n---\n\nThe river rose two metres overnight.\n"
    article = read_article(write(tmp_path / "flood.md", text), tmp_path)
    assert article.title == "flood"
    assert "A quiet week on the river" in " ".join(passages(article))
    assert from_text("---\n---\n", markdown=True).front_matter == (0, 8)  # empty front matter is front matter
    assert from_text("---\n---\n", markdown=True).title is None


TEXT_WITH_BYLINE = """City Orchestra Cancels Summer Tour
By JANE SMITH and Tom Lee, Staff Writers

LONDON, March 3, 2005 — The city orchestra cancelled its summer tour on Thursday after its main sponsor withdrew.

By the end of the month, the players will know whether the autumn season goes ahead, a spokesman said.
"""


def test_text_with_a_byline_and_a_dateline(tmp_path: Path) -> None:
    article = read_article(write(tmp_path / "arts" / "music" / "tour.txt", TEXT_WITH_BYLINE), tmp_path)
    assert fields(article) == (
        "City Orchestra Cancels Summer Tour",
        "2005-03-03",
        "Jane Smith; Tom Lee",
        "arts/music",
        None,
        None,
    )
    assert article.text == TEXT_WITH_BYLINE


@pytest.mark.parametrize(
    ("top", "date", "author"),
    [
        ("Published 3 March 2005", "2005-03-03", None),
        ("By JANE SMITH, Staff Writer", None, "Jane Smith"),
        ("By Ngozi Adichie-Okoro\nLONDON, March 3, 2005—The", "2005-03-03", "Ngozi Adichie-Okoro"),
        ("Updated: 2025-03-11", "2025-03-11", None),
        ("Updated: 2025-03-12 10:04 GMT\nPublished: March 11, 2025", "2025-03-11", None),
        ("Thu 3 Mar 2005 10.00 GMT", "2005-03-03", None),
        ("WASHINGTON, March 3 (Reuters) - Officials said", None, None),  # no year: not a whole date
        (
            "By Jane Smith, Associated Press\nWASHINGTON, D.C., June 1, 2023 -- The Senate voted.",
            "2023-06-01",
            "Jane Smith",
        ),
        ("By María José García-Pérez | Posted on June 1, 2023", "2023-06-01", "María José García-Pérez"),
        ("The vote was held on March 3, 2005", None, None),
        ("By the end of March, 2005, they had left.", None, None),
        ("By Monday the river had fallen", None, None),
    ],
)
def test_bylines_and_datelines_near_the_top(top: str, date: str | None, author: str | None) -> None:
    meta = from_text(f"Headline Over the Story\n{top}\n\nThe story begins here.\n", markdown=False)
    assert (meta.date, meta.author) == (date, author)
    assert meta.title == "Headline Over the Story"


def test_a_date_deep_in_the_story_is_not_a_dateline() -> None:
    lines = "\n".join(f"Paragraph {n} of the story." for n in range(20))
    assert from_text(f"Headline\n{lines}\nPublished 3 March 2005\n", markdown=False).date is None


def test_text_with_nothing_has_no_metadata(tmp_path: Path) -> None:
    text = "the harbour was quiet this morning and the boats stayed in.\nNobody knows why.\n"
    assert from_text(text, markdown=False) == Metadata()
    article = read_article(write(tmp_path / "quiet.txt", text), tmp_path)
    assert fields(article)[1:] == (None, None, None, None, None)


def test_the_folder_is_the_section() -> None:
    assert folder_section("politics/001.txt") == "politics"
    assert folder_section("world/europe/002.html") == "world/europe"
    assert folder_section("003.txt") is None


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("2024-06-14T18:30:00Z", "2024-06-14"),
        ("2024-06-14T23:30:00-07:00", "2024-06-14"),
        ("Fri, 14 Jun 2024 18:30:00 GMT", "2024-06-14"),
        ("June 14th, 2024", "2024-06-14"),
        ("14 June 2024", "2024-06-14"),
        ("Sept. 4, 2023", "2023-09-04"),
        ("20240614", "2024-06-14"),
        ("1718389800", "2024-06-14"),
        ("2024/06/14", "2024-06-14"),
        ("2024-02-30", None),
        ("03/04/2005", None),
        ("June 2024", None),
        ("", None),
    ],
)
def test_dates_are_iso_days(value: str, iso: str | None) -> None:
    assert normalise_date(value) == iso
