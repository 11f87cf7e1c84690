// The BibTeX and RIS downloads of an article page, made in the browser from what the page
// already says: its citation_* meta tags, its title, its kind (the kicker), its date (the
// first fact), the first capture's checksum and the data-id of .cite-downloads.
// They are the same text that generator/citations.py writes (the browser tests compare
// the two byte for byte). Written into every page, the two files would weigh about
// 200 MB at 100,000 statements. Without script the page reads the same; only the
// download links stay hidden, and reference managers still read the meta tags.
(function () {
  "use strict";
  var box = document.querySelector(".cite-downloads[data-id]");
  if (!box) return;

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

  var id = box.getAttribute("data-id");
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
  var year = String(parseInt(iso.slice(0, -6), 10));

  var bibtex = [
    ["author", "{{" + bib(author) + "}}"],
    ["title", "{{" + bib(title) + "}}"],
    ["howpublished", publisher ? "{" + bib(publisher) + "}" : ""],
    ["year", "{" + year + "}"],
    ["month", MONTHS[parseInt(iso.slice(-5, -3), 10) - 1]],
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

  function offer(format, type, text, extension) {
    var link = box.querySelector('[data-format="' + format + '"]');
    link.setAttribute("href", "data:" + type + ";charset=utf-8," + encodeURIComponent(text));
    link.setAttribute("download", id + extension);
  }

  offer("bibtex", "application/x-bibtex", "@misc{" + id + ",\n" + bibtex.join("") + "}\n", ".bib");
  offer("ris", "application/x-research-info-systems", ris.join(""), ".ris");
  box.hidden = false;
})();
