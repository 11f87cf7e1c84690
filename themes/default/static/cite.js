// The BibTeX, RIS and CSL-JSON downloads of an article page, made from what it says (its
// citation_* tags, kind, date, capture checksum, and its file name: the id) rather than
// written into each of 100,000 pages; generator/site/citations.py defines them (the
// browser tests compare the two byte for byte). Without script, the page has no links.
(function () {
  "use strict";
  var section = document.querySelector("section.cite");
  if (!section) return;
  var box = document.createElement("p");
  box.className = "cite-downloads";
  box.hidden = true;
  box.innerHTML = 'Download the reference: <a data-format="bibtex">BibTeX</a> \u00b7 '
    + '<a data-format="ris">RIS</a> \u00b7 <a data-format="csl">CSL-JSON</a>';
  section.appendChild(box);

  function meta(name) {
    var tag = document.querySelector('meta[name="' + name + '"]');
    return tag ? tag.getAttribute("content") : "";
  }

  var SPECIAL = {
    "\\": "\\textbackslash{}", "{": "\\{", "}": "\\}", "%": "\\%", "&": "\\&", "#": "\\#",
    "$": "\\$", "_": "\\_", "~": "\\textasciitilde{}", "^": "\\textasciicircum{}"
  };
  var MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                "dec"];

  function bib(text) {
    return text.replace(/[\\{}%&#$_~^]/g, function (c) { return SPECIAL[c]; });
  }

  // citations.one_line: control characters, then runs of what Python's str.split() calls
  // whitespace, become single spaces.
  function oneLine(text) {
    return text.replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029]+/g, " ")
      .split(/[\t-\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/)
      .filter(Boolean).join(" ");
  }

  var id = location.pathname.replace(/^.*\/|\.html$/g, "");  // a server may drop .html
  var site = document.querySelector(".site-title");
  var sha = document.querySelector(".captures .sha");
  var kicker = document.querySelector(".statement-header .kicker");
  var kind = (kicker && kicker.textContent) || "Statement";  // citations.kind
  var note = oneLine(kind + ". Archived in " + oneLine(site.textContent)
                     + " as " + id + "." + (sha ? " Capture SHA-256 " + sha.textContent + "." : ""));
  var iso = document.querySelector(".facts time").getAttribute("datetime");  // YYYY-MM-DD
  var title = meta("citation_title");
  var author = meta("citation_author");
  var publisher = meta("citation_publisher");
  var url = meta("citation_public_url");
  var parts = [iso.slice(0, -6), iso.slice(-5, -3), iso.slice(-2)].map(Number);
  var year = String(parts[0]);

  var bibtex = [
    ["author", "{{" + bib(author) + "}}"],
    ["title", "{{" + bib(title) + "}}"],
    ["howpublished", publisher ? "{" + bib(publisher) + "}" : ""],
    ["year", "{" + year + "}"],
    ["month", MONTHS[parts[1] - 1]],
    ["date", "{" + iso + "}"],
    ["url", url ? "{" + url.replace(/%/g, "\\%") + "}" : ""],
    ["note", "{" + bib(note) + "}"]
  ].filter(function (f) { return f[1]; }).map(function (f) {
    var name = f[0];
    while (name.length < 12) name += " ";
    return "  " + name + " = " + f[1] + ",\n";
  });

  var ris = [
    ["TY", "PRESS"], ["TI", title], ["AU", author], ["PY", year],
    ["DA", meta("citation_publication_date") + "/"], ["PB", publisher], ["UR", url],
    ["ID", id], ["N1", note], ["ER", ""]
  ].filter(function (f) { return f[1] || f[0] === "ER"; }).map(function (f) {
    return f[0] + "  - " + f[1] + "\r\n";
  });

  // citations.csl_json (JSON.stringify's indented layout is json.dumps(indent=2)'s).
  var csl = {id: id, type: "article-newspaper", title: title, author: [{literal: author}],
             issued: {"date-parts": [parts]}};
  if (publisher) csl["container-title"] = publisher;
  if (url) csl.URL = url;
  csl.note = note;

  function offer(format, type, text, extension) {
    var link = box.querySelector('[data-format="' + format + '"]');
    link.setAttribute("href", "data:" + type + ";charset=utf-8," + encodeURIComponent(text));
    link.setAttribute("download", id + extension);
  }

  offer("bibtex", "application/x-bibtex", "@misc{" + id + ",\n" + bibtex.join("") + "}\n", ".bib");
  offer("ris", "application/x-research-info-systems", ris.join(""), ".ris");
  offer("csl", "application/vnd.citationstyles.csl+json", JSON.stringify([csl], null, 2) + "\n",
        ".json");
  box.hidden = false;
})();
