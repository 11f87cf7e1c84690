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

  var FILTERS = ["issuer", "organization", "kind", "source", "year", "altered"];
  var LABELS = { issuer: "Issuer", organization: "Organisation", kind: "Kind", source: "Source", year: "Year",
                 altered: "Versions" };
  var PAGE = 20;
  var SHOWN_VALUES = 8;
  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December"];

  var root = box.getAttribute("data-root");
  var buckets = (box.getAttribute("data-buckets") || "").split(" ").filter(Boolean);
  var form = document.getElementById("search-form");
  var input = document.getElementById("search-q");
  var sortSelect = document.getElementById("search-sort");
  var filtersBox = document.getElementById("search-filters");
  var statusLine = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var moreButton = document.getElementById("search-more");
  var filterSummary = document.querySelector("#search-filter-box > summary");

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
      // Until the filters are shown, those of the last search (the link's) still hold.
      state.filters[name] = !filtersShown ? lastState.filters[name].slice() :
        Array.prototype.map.call(filtersBox.querySelectorAll('input[name="' + name + '"]:checked'),
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

  // ---- merging the buckets (one index per year folder of statement pages) -------------

  /* Newest bucket first for "newest first", oldest first for "oldest first"; "other" last. */
  function bucketOrder(a, b, descending) {
    if (a === b) return 0;
    if (a === "other") return 1;
    if (b === "other") return -1;
    return descending ? (a < b ? 1 : -1) : (a < b ? -1 : 1);
  }

  function chosenBuckets(state) {
    var years = state.filters.year;
    if (!years.length) return buckets.slice();
    return buckets.filter(function (b) { return b === "other" || years.indexOf(b) >= 0; });
  }

  function orderOf(state) {
    return state.sort || (state.q ? "" : "date-desc");
  }

  // ---- engine: Pagefind ---------------------------------------------------------------

  function pagefindEngine() {
    var url = function (b, file) {
      return new URL(root + "pagefind/" + b + "/" + (file || ""), window.location.href).href;
    };
    // One Pagefind (one script, one WebAssembly module) with every bucket's index merged
    // into it (Pagefind's multisite search). Each index tags its pages with the filter
    // "bucket", so that a date-ordered search can ask one bucket at a time: Pagefind ranks
    // a sorted search within each index, not across them. baseUrl "/": result URLs come
    // back as paths from the site root, made relative below. Pagefind runs in its web
    // worker (pagefind-worker.js), so that its WebAssembly and the unpacking of its index
    // files leave the page free to show the results; the filters' values and counts
    // (every filter file of every bucket) are loaded only once the first results are shown.
    var first = buckets[0];
    var common = { baseUrl: "/", excerptLength: 32 };
    return import(url(first, "pagefind.js")).then(function (pf) {
      return pf.options({ excerptLength: 32, baseUrl: "/",
                          basePath: url(first), mergeFilter: { bucket: first } })
        .then(function () { return pf.init(); })
        .then(function () {
          return Promise.all(buckets.slice(1).map(function (b) {
            return pf.mergeIndex(url(b), Object.assign({ mergeFilter: { bucket: b } }, common));
          }));
        })
        .then(function () {
          return { name: "pagefind", filters: null, search: pagefindSearch(pf),
                   loadFilters: function () { return pf.filters(); } };
        });
    });
  }

  function pagefindSearch(pf) {
    function item(d) {
      return {
        href: root + d.url.replace(/^\//, ""),
        title: d.meta.title || d.url,
        date: d.meta.date || "",
        issuer: d.meta.issuer || "",
        kind: (d.filters.kind || [])[0] || "",
        excerpt: d.excerpt
      };
    }
    return function (state) {
      var filters = {};
      FILTERS.forEach(function (name) {
        if (state.filters[name].length) filters[name] = { any: state.filters[name] };
      });
      var order = orderOf(state);
      var q = state.q || null;
      return pf.search(q, { filters: filters }).then(function (found) {
        var results = (found && found.results) || [];
        var total = results.length;
        var load;
        if (order === "") {
          load = function (from, to) {
            return Promise.all(results.slice(from, to).map(function (r) { return r.data(); }))
              .then(function (items) { return items.map(item); });
          };
        } else {
          // Bucket by bucket in date order, each sorted by date, until there are enough.
          var sort = { date: order === "date-desc" ? "desc" : "asc" };
          var pending = chosenBuckets(state).sort(function (a, b) {
            return bucketOrder(a, b, order === "date-desc");
          });
          var sorted = [];
          var more = function (to) {
            if (sorted.length >= to || !pending.length) return Promise.resolve();
            var b = pending.shift();
            var only = Object.assign({}, filters, { bucket: { any: [b] } });
            return pf.search(q, { filters: only, sort: sort }).then(function (f) {
              sorted = sorted.concat((f && f.results) || []);
              return more(to);
            });
          };
          load = function (from, to) {
            return more(to).then(function () {
              return Promise.all(sorted.slice(from, to).map(function (r) { return r.data(); }));
            }).then(function (items) { return items.map(item); });
          };
        }
        return { total: total, counts: (found && found.filters) || {}, load: load };
      });
    };
  }

  // ---- engine: the offline index ------------------------------------------------------

  var loaded = {};
  var waiting = {};

  window.ArchiveSearchData = function (key, data) { loaded[key] = data; };

  /* One file of a bucket's offline index, loaded with a <script> tag (works from file://). */
  function load(bucket, name) {
    var key = bucket + "/" + name;
    if (loaded[key]) return Promise.resolve(loaded[key]);
    if (waiting[key]) return waiting[key];
    waiting[key] = new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = root + "search/data/" + key + ".js";
      script.onload = function () {
        if (loaded[key]) resolve(loaded[key]); else reject(new Error("empty index file " + key));
      };
      script.onerror = function () { delete waiting[key]; reject(new Error("cannot load " + key)); };
      document.head.appendChild(script);
    });
    return waiting[key];
  }

  // offline_search.encode_postings: gaps between sorted numbers, each a run of base-32
  // digits; the last digit of a gap is one of the first 32 characters of DIGITS.
  var DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";
  function decode(postings) {
    var out = [], last = 0, value = 0;
    for (var i = 0; i < postings.length; i++) {
      var digit = DIGITS.indexOf(postings.charAt(i));
      if (digit >= 32) {
        value = value * 32 + digit - 32;
      } else {
        last += value * 32 + digit;
        out.push(last);
        value = 0;
      }
    }
    return out;
  }

  /* One bucket of the offline index: its filter columns, and the words of a query. */
  function offlineBucket(bucket, meta) {
    var alphabet = meta.alphabet;
    var prefixes = Object.keys(meta.shards);
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

    function value(name, n) {
      var code = columns[name].codes[n];
      return code ? columns[name].values[code - 1] : null;
    }

    return {
      bucket: bucket,
      count: meta.count,
      chunk: meta.chunk,
      value: value,
      matches: function (term) {
        var needed = prefixes.filter(function (p) {
          return term.indexOf(p) === 0 || p.indexOf(term) === 0;
        });
        return Promise.all(needed.map(function (p) { return load(bucket, "t/" + meta.shards[p]); }))
          .then(function (parts) {
            var body = new Uint8Array(meta.count);
            var title = new Uint8Array(meta.count);
            parts.forEach(function (part) {
              Object.keys(part).forEach(function (word) {
                if (word.indexOf(term) !== 0) return;
                var lists = part[word].split("~");  // in the body, then in the title
                decode(lists[0]).forEach(function (d) { body[d] = 1; });
                decode(lists[1] || "").forEach(function (d) { body[d] = 1; title[d] = 1; });
              });
            });
            return { body: body, title: title };
          });
      }
    };
  }

  // offline_search.FORMAT: a browser that cached an older index (or an older copy of this
  // script) must not read one format with the other's code.
  var INDEX_FORMAT = 4;

  function offlineEngine() {
    return Promise.all(buckets.map(function (b) { return load(b, "meta"); })).then(function (metas) {
      if (metas.some(function (meta) { return meta.version !== INDEX_FORMAT; })) {
        var stale = new Error("the search index is from another version of this site");
        stale.stale = true;
        throw stale;
      }
      var parts = {};
      buckets.forEach(function (b, k) { parts[b] = offlineBucket(b, metas[k]); });

      function countsOver(hits) {
        var counts = {};
        FILTERS.forEach(function (name) {
          var tally = counts[name] = {};
          hits.forEach(function (h) {
            var v = parts[h.bucket].value(name, h.n);
            if (v !== null) tally[v] = (tally[v] || 0) + 1;
          });
        });
        return counts;
      }

      function passes(state, except) {
        return function (h) {
          return FILTERS.every(function (name) {
            var chosen = state.filters[name];
            return name === except || !chosen.length ||
              chosen.indexOf(parts[h.bucket].value(name, h.n)) >= 0;
          });
        };
      }

      function everything(chosen) {
        var hits = [];
        chosen.forEach(function (b) {
          for (var n = 0; n < parts[b].count; n++) hits.push({ bucket: b, n: n, score: 0 });
        });
        return hits;
      }

      return {
        name: "offline",
        filters: countsOver(everything(buckets)),
        search: function (state) {
          var terms = words(state.q).filter(function (t) { return t.length >= 2; });
          var chosen = chosenBuckets(state);
          var found;
          if (state.q.trim() && !terms.length) {
            found = Promise.resolve([]);
          } else if (!terms.length) {
            found = Promise.resolve(everything(chosen));
          } else {
            found = Promise.all(chosen.map(function (b) {
              return Promise.all(terms.map(parts[b].matches)).then(function (sets) {
                var hits = [];
                for (var n = 0; n < parts[b].count; n++) {
                  var all = true, inTitle = 0;
                  for (var i = 0; i < sets.length; i++) {
                    if (!sets[i].body[n]) { all = false; break; }
                    inTitle += sets[i].title[n];
                  }
                  if (all) hits.push({ bucket: b, n: n, score: inTitle });
                }
                return hits;
              });
            })).then(function (lists) { return [].concat.apply([], lists); });
          }
          return found.then(function (hits) {
            var order = orderOf(state);
            hits.sort(function (a, b) {
              if (order === "") {
                return (b.score - a.score) || bucketOrder(a.bucket, b.bucket, true) || (b.n - a.n);
              }
              var descending = order === "date-desc";
              return bucketOrder(a.bucket, b.bucket, descending) || (descending ? b.n - a.n : a.n - b.n);
            });
            var counts = {};
            FILTERS.forEach(function (name) {
              counts[name] = countsOver(hits.filter(passes(state, name)))[name];
            });
            var results = hits.filter(passes(state, null));
            return {
              total: results.length,
              counts: counts,
              load: function (from, to) {
                var slice = results.slice(from, to);
                var chunks = {};
                slice.forEach(function (h) {
                  chunks[h.bucket + "/d/" + Math.floor(h.n / parts[h.bucket].chunk)] = h.bucket;
                });
                return Promise.all(Object.keys(chunks).map(function (key) {
                  return load(chunks[key], key.slice(chunks[key].length + 1));
                })).then(function () {
                  return slice.map(function (h) {
                    var part = parts[h.bucket];
                    var doc = loaded[h.bucket + "/d/" + Math.floor(h.n / part.chunk)][h.n % part.chunk];
                    return {
                      href: root + "statements/" + h.bucket + "/" + doc[0] + ".html",
                      title: doc[1],
                      date: longDate(doc[2]),
                      issuer: doc[3],
                      kind: doc[4],
                      excerpt: highlight(doc[5], terms)
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
  var filtersShown = false;
  var lastState = readState();

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
    counts = counts || {};
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
    lastState = state;
    var mine = ++generation;
    var chosen = FILTERS.some(function (f) { return state.filters[f].length; });
    var count = FILTERS.reduce(function (n, f) { return n + state.filters[f].length; }, 0);
    if (filterSummary) filterSummary.textContent = count ? "Filters (" + count + " chosen)" : "Filters";
    if (!state.q && !chosen) {
      list.textContent = "";
      moreButton.hidden = true;
      updateCounts(engine.filters);
      statusLine.textContent = describe(state, 0);
      return Promise.resolve();
    }
    statusLine.textContent = "Searching\u2026";
    list.setAttribute("aria-busy", "true");
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
    }).then(function () {
      if (mine === generation) list.removeAttribute("aria-busy");
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

  /* How many results each filter value would give to the search ``state``. */
  function countsFor(state) {
    var chosen = FILTERS.some(function (f) { return state.filters[f].length; });
    if (!state.q && !chosen) return Promise.resolve(engine.filters);
    return engine.search(state).then(function (result) { return result.counts; });
  }

  /* The filters, once the first results are shown: their values with their counts, and
     the boxes of the search being shown ticked (all at once: counts put in afterwards
     would move the values below them as they widen). */
  function showFilters() {
    return Promise.resolve(engine.filters || engine.loadFilters()).then(function (all) {
      engine.filters = all;
      var mine = generation;
      var state = lastState;
      return countsFor(state).then(function (counts) {
        if (mine !== generation) return showFilters();  // a newer search: count for it
        buildFilters(all, state);
        updateCounts(counts);
        filtersShown = true;
        // Open beside the results on a wide screen; folded on a narrow one, where the
        // filters come first: unfolded there, they would push the results down.
        var filterBox = document.getElementById("search-filter-box");
        if (filterBox && window.matchMedia("(min-width: 48rem)").matches) filterBox.open = true;
      });
    });
  }

  var initial = lastState;
  input.value = initial.q;
  sortSelect.value = initial.sort;
  statusLine.textContent = "Loading the search index\u2026";

  var start = window.location.protocol === "file:"
    ? offlineEngine()
    : pagefindEngine().catch(function (error) {
      box.setAttribute("data-pagefind-error", String(error && error.message || error));
      return offlineEngine();
    });
  start.then(function (ready) {
    engine = ready;
    box.setAttribute("data-engine", engine.name);
    return run(initial).then(function () {
      return showFilters().then(function () { box.setAttribute("data-filters", "shown"); },
        function (error) {
          box.setAttribute("data-filters", "failed");
          filtersBox.textContent = "The filters could not be loaded: " + (error && error.message);
        });
    });
  }).catch(function (error) {
    statusLine.textContent = error && error.stale
      ? "The site was updated while you had it open: reload the page to search it."
      : "Search is not available in this copy of the site. Browse by date or by issuer instead.";
  });
})();
