/* Search page of the statement archive.
 *
 * Two engines behind one interface:
 * - Pagefind, when the site is served over http(s);
 * - the offline index (search/data/*.js, loaded with <script> tags), when the site
 *   is opened from disk (file://), where browsers block Pagefind's modules and
 *   WebAssembly, or when Pagefind cannot be loaded.
 *
 * The query, the filters and the order live in the page's URL (?q=...&issuer=...&sort=...),
 * so a search is a link one can send; the URL follows the reader as they type.
 * A classic script (not a module), so that it runs from file:// too.
 */
(function () {
  "use strict";

  var box = document.getElementById("search");
  if (!box) return;

  var FILTERS = ["issuer", "organization", "kind", "source", "year"];
  var LABELS = { issuer: "Issuer", organization: "Organisation", kind: "Kind", source: "Source", year: "Year" };
  var PAGE = 20;
  var SHOWN_VALUES = 8;
  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December"];

  var root = box.getAttribute("data-root");
  var offlineIndex = box.getAttribute("data-offline-index");
  var form = document.getElementById("search-form");
  var input = document.getElementById("search-q");
  var sortSelect = document.getElementById("search-sort");
  var filtersBox = document.getElementById("search-filters");
  var statusLine = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var moreButton = document.getElementById("search-more");

  // ---- state <-> URL -------------------------------------------------------------------

  function readState() {
    var params = new URLSearchParams(window.location.search);
    var state = { q: params.get("q") || "", sort: params.get("sort") || "", filters: {} };
    FILTERS.forEach(function (name) { state.filters[name] = params.getAll(name); });
    return state;
  }

  function formState() {
    var state = { q: input.value.trim(), sort: sortSelect.value, filters: {} };
    FILTERS.forEach(function (name) {
      state.filters[name] = Array.prototype.map.call(
        filtersBox.querySelectorAll('input[name="' + name + '"]:checked'),
        function (el) { return el.value; });
    });
    return state;
  }

  function writeState(state) {
    var params = new URLSearchParams();
    if (state.q) params.set("q", state.q);
    FILTERS.forEach(function (name) {
      state.filters[name].forEach(function (value) { params.append(name, value); });
    });
    if (state.sort) params.set("sort", state.sort);
    var query = params.toString();
    try {
      window.history.replaceState(null, "", query ? "?" + query : window.location.pathname);
    } catch (e) { /* some browsers refuse history changes on file:// pages */ }
  }

  // ---- helpers ------------------------------------------------------------------------

  function longDate(iso) {
    var p = iso.split("-");
    return parseInt(p[2], 10) + " " + MONTHS[parseInt(p[1], 10) - 1] + " " + p[0];
  }

  /* Show an excerpt that may carry <mark> tags, as text: nothing else in it becomes markup. */
  function appendExcerpt(parent, html) {
    var doc = new DOMParser().parseFromString("<body>" + html, "text/html");
    Array.prototype.forEach.call(doc.body.childNodes, function (node) {
      if (node.nodeType === 1 && node.tagName === "MARK") {
        var mark = document.createElement("mark");
        mark.textContent = node.textContent;
        parent.appendChild(mark);
      } else {
        parent.appendChild(document.createTextNode(node.textContent));
      }
    });
  }

  function words(text) {
    return text.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      .match(/[\p{L}\p{N}]+/gu) || [];
  }

  // ---- engine: Pagefind ---------------------------------------------------------------

  function pagefindEngine() {
    return import(new URL(root + "pagefind/pagefind.js", window.location.href).href)
      .then(function (pagefind) {
        // baseUrl "/": result URLs come back as paths from the site root, made relative below.
        return pagefind.options({ excerptLength: 32, baseUrl: "/" }).then(function () {
          pagefind.init();
          return pagefind.filters();
        }).then(function (all) {
          return {
            name: "pagefind",
            filters: all,
            search: function (state) {
              var filters = {};
              FILTERS.forEach(function (name) {
                if (state.filters[name].length) filters[name] = { any: state.filters[name] };
              });
              var options = { filters: filters };
              var order = state.sort || (state.q ? "" : "date-desc");
              if (order === "date-desc") options.sort = { date: "desc" };
              if (order === "date-asc") options.sort = { date: "asc" };
              return pagefind.search(state.q || null, options).then(function (found) {
                var results = (found && found.results) || [];
                return {
                  total: results.length,
                  counts: (found && found.filters) || {},
                  load: function (from, to) {
                    return Promise.all(results.slice(from, to).map(function (r) { return r.data(); }))
                      .then(function (items) {
                        return items.map(function (d) {
                          return {
                            href: root + d.url.replace(/^\//, ""),
                            title: d.meta.title || d.url,
                            date: d.meta.date || "",
                            issuer: d.meta.issuer || "",
                            kind: (d.filters.kind || [])[0] || "",
                            excerpt: d.excerpt
                          };
                        });
                      });
                  }
                };
              });
            }
          };
        });
      });
  }

  // ---- engine: the offline index ------------------------------------------------------

  var loaded = {};
  var waiting = {};
  var dataFolder = offlineIndex.replace(/meta\.js$/, "");

  window.ArchiveSearchData = function (key, data) { loaded[key] = data; };

  function load(key) {
    if (loaded[key]) return Promise.resolve(loaded[key]);
    if (waiting[key]) return waiting[key];
    waiting[key] = new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = dataFolder + key + ".js";
      script.onload = function () {
        if (loaded[key]) resolve(loaded[key]); else reject(new Error("empty index file " + key));
      };
      script.onerror = function () { delete waiting[key]; reject(new Error("cannot load " + key)); };
      document.head.appendChild(script);
    });
    return waiting[key];
  }

  function decode(postings) {
    var out = [], last = 0;
    if (!postings) return out;
    postings.split(".").forEach(function (gap) { last += parseInt(gap, 36); out.push(last); });
    return out;
  }

  function offlineEngine() {
    return load("meta").then(function (meta) {
      var alphabet = meta.alphabet;
      var shards = meta.shards;
      var prefixes = Object.keys(shards);
      var columns = {};
      FILTERS.forEach(function (name) {
        var spec = meta.filters[name];
        var codes = new Uint16Array(meta.count);
        for (var i = 0; i < meta.count; i++) {
          var code = 0;
          for (var j = 0; j < spec.width; j++) {
            code = code * alphabet.length + alphabet.indexOf(spec.codes.charAt(i * spec.width + j));
          }
          codes[i] = code;
        }
        columns[name] = { values: spec.values, codes: codes };
      });

      function countsOver(numbers) {
        var counts = {};
        FILTERS.forEach(function (name) {
          var column = columns[name], tally = {};
          numbers.forEach(function (n) {
            var code = column.codes[n];
            if (code) { var v = column.values[code - 1]; tally[v] = (tally[v] || 0) + 1; }
          });
          counts[name] = tally;
        });
        return counts;
      }

      var everything = [];
      for (var n = 0; n < meta.count; n++) everything.push(n);

      function matches(term) {
        var needed = prefixes.filter(function (p) {
          return term.indexOf(p) === 0 || p.indexOf(term) === 0;
        });
        return Promise.all(needed.map(function (p) { return load("t/" + shards[p]); }))
          .then(function (parts) {
            var body = new Uint8Array(meta.count);
            var title = new Uint8Array(meta.count);
            parts.forEach(function (part) {
              Object.keys(part).forEach(function (word) {
                if (word.indexOf(term) !== 0) return;
                decode(part[word].w).forEach(function (d) { body[d] = 1; });
                decode(part[word].t).forEach(function (d) { body[d] = 1; title[d] = 1; });
              });
            });
            return { body: body, title: title };
          });
      }

      function allFilters(numbers, state, except) {
        return numbers.filter(function (n) {
          return FILTERS.every(function (name) {
            var chosen = state.filters[name];
            if (name === except || !chosen.length) return true;
            var code = columns[name].codes[n];
            return code > 0 && chosen.indexOf(columns[name].values[code - 1]) >= 0;
          });
        });
      }

      return {
        name: "offline",
        filters: countsOver(everything),
        search: function (state) {
          var terms = words(state.q).filter(function (t) { return t.length >= 2; });
          var found = state.q.trim() && !terms.length ? Promise.resolve([]) :
            Promise.all(terms.map(matches)).then(function (sets) {
              var hits = [], score = {};
              for (var n = 0; n < meta.count; n++) {
                var all = true, inTitle = 0;
                for (var i = 0; i < sets.length; i++) {
                  if (!sets[i].body[n]) { all = false; break; }
                  inTitle += sets[i].title[n];
                }
                if (all) { hits.push(n); score[n] = inTitle; }
              }
              var order = state.sort || (terms.length ? "" : "date-desc");
              if (order === "date-asc") return hits;
              if (order === "date-desc") return hits.reverse();
              return hits.sort(function (a, b) { return (score[b] - score[a]) || (b - a); });
            });
          return found.then(function (hits) {
            var counts = {};
            FILTERS.forEach(function (name) {
              counts[name] = countsOver(allFilters(hits, state, name))[name];
            });
            var results = allFilters(hits, state, null);
            var queryWords = terms;
            return {
              total: results.length,
              counts: counts,
              load: function (from, to) {
                var slice = results.slice(from, to);
                var chunks = {};
                slice.forEach(function (d) { chunks[Math.floor(d / meta.chunk)] = true; });
                return Promise.all(Object.keys(chunks).map(function (c) { return load("d/" + c); }))
                  .then(function () {
                    return slice.map(function (d) {
                      var doc = loaded["d/" + Math.floor(d / meta.chunk)][d % meta.chunk];
                      return {
                        href: root + "statements/" + doc[0] + "/index.html",
                        title: doc[1],
                        date: longDate(doc[2]),
                        issuer: doc[3],
                        kind: doc[4],
                        excerpt: highlight(doc[5], queryWords)
                      };
                    });
                  });
              }
            };
          });
        }
      };
    });
  }

  function escapeHtml(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function highlight(text, terms) {
    if (!terms.length) return escapeHtml(text);
    var out = "", rest = text;
    var pattern = /[\p{L}\p{N}]+/gu, last = 0, m;
    while ((m = pattern.exec(rest)) !== null) {
      var word = words(m[0])[0] || "";
      var hit = terms.some(function (t) { return word.indexOf(t) === 0; });
      out += escapeHtml(rest.slice(last, m.index));
      out += hit ? "<mark>" + escapeHtml(m[0]) + "</mark>" : escapeHtml(m[0]);
      last = m.index + m[0].length;
    }
    return out + escapeHtml(rest.slice(last));
  }

  // ---- the page -----------------------------------------------------------------------

  var engine = null;
  var current = null;
  var shown = 0;
  var generation = 0;
  var countSpans = {};

  function buildFilters(all, state) {
    filtersBox.textContent = "";
    FILTERS.forEach(function (name) {
      var values = Object.keys(all[name] || {});
      if (!values.length) return;
      values.sort(name === "year"
        ? function (a, b) { return b.localeCompare(a); }
        : function (a, b) { return (all[name][b] - all[name][a]) || a.localeCompare(b); });
      var fieldset = document.createElement("fieldset");
      var legend = document.createElement("legend");
      legend.textContent = LABELS[name];
      fieldset.appendChild(legend);
      var options = document.createElement("div");
      options.className = "filter-options";
      countSpans[name] = {};
      values.forEach(function (value, i) {
        var label = document.createElement("label");
        var box = document.createElement("input");
        box.type = "checkbox";
        box.name = name;
        box.value = value;
        box.checked = state.filters[name].indexOf(value) >= 0;
        box.addEventListener("change", function () { run(formState()); });
        var count = document.createElement("span");
        count.className = "count";
        label.appendChild(box);
        label.appendChild(document.createTextNode(" " + value + " "));
        label.appendChild(count);
        if (i >= SHOWN_VALUES && !box.checked) label.hidden = true;
        options.appendChild(label);
        countSpans[name][value] = count;
      });
      fieldset.appendChild(options);
      if (values.length > SHOWN_VALUES) {
        var toggle = document.createElement("button");
        toggle.type = "button";
        toggle.className = "filter-toggle";
        toggle.textContent = "Show all " + values.length;
        toggle.setAttribute("aria-expanded", "false");
        toggle.addEventListener("click", function () {
          var open = toggle.getAttribute("aria-expanded") !== "true";
          toggle.setAttribute("aria-expanded", open ? "true" : "false");
          toggle.textContent = open ? "Show fewer" : "Show all " + values.length;
          Array.prototype.forEach.call(options.children, function (label, i) {
            label.hidden = !open && i >= SHOWN_VALUES && !label.firstChild.checked;
          });
        });
        fieldset.appendChild(toggle);
      }
      filtersBox.appendChild(fieldset);
    });
  }

  function updateCounts(counts) {
    FILTERS.forEach(function (name) {
      var spans = countSpans[name] || {};
      Object.keys(spans).forEach(function (value) {
        var n = (counts[name] || {})[value] || 0;
        spans[value].textContent = "(" + n + ")";
      });
    });
  }

  function renderItems(items) {
    items.forEach(function (item) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.className = "title";
      a.href = item.href;
      a.textContent = item.title;
      li.appendChild(a);
      var meta = document.createElement("div");
      meta.className = "meta";
      meta.textContent = [item.date, item.issuer, item.kind].filter(Boolean).join(" · ");
      li.appendChild(meta);
      if (item.excerpt) {
        var p = document.createElement("p");
        p.className = "excerpt";
        appendExcerpt(p, item.excerpt);
        li.appendChild(p);
      }
      list.appendChild(li);
    });
  }

  function describe(state, total) {
    var chosen = FILTERS.reduce(function (n, f) { return n + state.filters[f].length; }, 0);
    var what = state.q ? " for \u201c" + state.q + "\u201d" : "";
    var filtered = chosen ? " with " + chosen + " filter" + (chosen > 1 ? "s" : "") : "";
    var note = engine.name === "offline" ? " (offline index: whole words and word beginnings)" : "";
    if (!state.q && !chosen) return "Type a name, a phrase or a place, or choose a filter." + note;
    return (total ? total + " result" + (total > 1 ? "s" : "") : "No results") + what + filtered + "." + note;
  }

  function showMore() {
    var run = generation;
    var from = shown;
    shown = Math.min(current.result.total, shown + PAGE);
    return current.result.load(from, shown).then(function (items) {
      if (run !== generation) return;
      renderItems(items);
      moreButton.hidden = shown >= current.result.total;
    });
  }

  function run(state) {
    writeState(state);
    var mine = ++generation;
    var chosen = FILTERS.some(function (f) { return state.filters[f].length; });
    if (!state.q && !chosen) {
      list.textContent = "";
      moreButton.hidden = true;
      updateCounts(engine.filters);
      statusLine.textContent = describe(state, 0);
      return Promise.resolve();
    }
    statusLine.textContent = "Searching\u2026";
    return engine.search(state).then(function (result) {
      if (mine !== generation) return;
      current = { state: state, result: result };
      list.textContent = "";
      shown = 0;
      updateCounts(result.counts);
      statusLine.textContent = describe(state, result.total);
      return showMore();
    }).catch(function (error) {
      if (mine !== generation) return;
      statusLine.textContent = "The search failed: " + error.message;
    });
  }

  var timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { run(formState()); }, 250);
  });
  sortSelect.addEventListener("change", function () { run(formState()); });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(timer);
    run(formState());
  });
  moreButton.addEventListener("click", function () { showMore(); });

  var initial = readState();
  input.value = initial.q;
  sortSelect.value = initial.sort;
  statusLine.textContent = "Loading the search index\u2026";

  var start = window.location.protocol === "file:"
    ? offlineEngine()
    : pagefindEngine().catch(function () { return offlineEngine(); });
  start.then(function (ready) {
    engine = ready;
    box.setAttribute("data-engine", engine.name);
    buildFilters(engine.filters, initial);
    // The filters start folded on a narrow screen (results first), unless the link chose some.
    var filterBox = document.getElementById("search-filter-box");
    var chosen = FILTERS.some(function (f) { return initial.filters[f].length; });
    if (filterBox && (chosen || window.matchMedia("(min-width: 48rem)").matches)) {
      filterBox.open = true;
    }
    return run(initial);
  }).catch(function () {
    statusLine.textContent = "Search is not available in this copy of the site. " +
      "Browse by date or by issuer instead.";
  });
})();
