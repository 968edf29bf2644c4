// Written for this site. The navbar's search box: loads search.json (Quarto's index
// shape) on first use and searches it with Fuse.js (site_libs/fuse/, from npm),
// with the index options Quarto's own search uses. Nothing leaves the site.
(function () {
  "use strict";
  var form = document.querySelector(".navbar-search");
  if (!form) { return; }
  var input = form.querySelector("input[type=search]");
  var list = form.querySelector(".search-results");
  var root = form.getAttribute("data-site-root") || "";
  var index = null;
  var LIMIT = 20;

  function load() {
    if (index) { return index; }
    index = fetch(root + "search.json").then(function (r) {
      if (!r.ok) { throw new Error("search.json: HTTP " + r.status); }
      return r.json();
    }).then(function (docs) {
      return new window.Fuse(docs, {
        keys: [{ name: "title", weight: 20 }, { name: "section", weight: 20 }, { name: "text", weight: 10 }],
        ignoreLocation: true, threshold: 0.1, minMatchCharLength: 2, includeMatches: true,
        isCaseSensitive: false, shouldSort: true
      });
    });
    return index;
  }

  function decode(text) {
    // search.json holds HTML-escaped text (as Quarto writes it); show it as plain text.
    return new DOMParser().parseFromString("<body>" + text, "text/html").body.textContent || "";
  }

  function snippet(text, query) {
    // About 160 characters around the first exact match, with the match marked.
    var plain = decode(text).replace(/\s+/g, " ");
    var at = plain.toLowerCase().indexOf(query.toLowerCase());
    var start = Math.max(0, at < 0 ? 0 : at - 60);
    var end = Math.min(plain.length, start + 160);
    var out = document.createDocumentFragment();
    var before = (start > 0 ? "…" : "") + plain.slice(start, at < 0 ? end : at);
    out.appendChild(document.createTextNode(before));
    if (at >= 0) {
      var mark = document.createElement("mark");
      mark.textContent = plain.slice(at, at + query.length);
      out.appendChild(mark);
      out.appendChild(document.createTextNode(plain.slice(at + query.length, Math.max(end, at + query.length))));
    }
    if (end < plain.length) { out.appendChild(document.createTextNode("…")); }
    return out;
  }

  function show(results, query) {
    list.textContent = "";
    if (!query) { list.hidden = true; return; }
    if (!results.length) {
      var none = document.createElement("li");
      none.className = "search-empty";
      none.textContent = "No results for “" + query + "”";
      list.appendChild(none);
    }
    results.slice(0, LIMIT).forEach(function (result) {
      var doc = result.item;
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.className = "search-result";
      a.href = root + doc.href;
      var title = document.createElement("span");
      title.className = "search-result-title";
      title.textContent = doc.section ? doc.title + " › " + doc.section : doc.title;
      var text = document.createElement("span");
      text.className = "search-result-text";
      text.appendChild(snippet(doc.text, query));
      a.appendChild(title);
      a.appendChild(text);
      li.appendChild(a);
      list.appendChild(li);
    });
    list.hidden = false;
  }

  var pending = 0;
  input.addEventListener("input", function () {
    var query = input.value.trim();
    var ticket = ++pending;
    if (query.length < 2) { show([], ""); return; }
    load().then(function (fuse) {
      if (ticket === pending) { show(fuse.search(query), query); }
    }).catch(function (error) {
      list.textContent = "";
      var li = document.createElement("li");
      li.className = "search-empty";
      li.textContent = "Search is unavailable: " + error.message;
      list.appendChild(li);
      list.hidden = false;
    });
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var first = list.querySelector("a.search-result");
    if (first) { window.location.href = first.href; }
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { input.value = ""; show([], ""); input.blur(); }
    if (event.key === "ArrowDown") {
      var first = list.querySelector("a.search-result");
      if (first) { event.preventDefault(); first.focus(); }
    }
  });
  // Arrow keys move through the results; Escape goes back to the box.
  list.addEventListener("keydown", function (event) {
    var links = Array.prototype.slice.call(list.querySelectorAll("a.search-result"));
    var at = links.indexOf(document.activeElement);
    if (at < 0) { return; }
    if (event.key === "ArrowDown" && at < links.length - 1) { event.preventDefault(); links[at + 1].focus(); }
    if (event.key === "ArrowUp") { event.preventDefault(); (at > 0 ? links[at - 1] : input).focus(); }
    if (event.key === "Escape") { event.preventDefault(); input.focus(); }
  });
  document.addEventListener("click", function (event) {
    if (!form.contains(event.target)) { list.hidden = true; }
  });
})();
