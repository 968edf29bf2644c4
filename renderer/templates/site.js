// Written for this site; no third-party code. Two jobs: open/close the sidebar on
// narrow screens, and mark the table-of-contents entry for the section in view.
(function () {
  "use strict";
  var toggle = document.querySelector(".sidebar-toggle");
  if (toggle) {
    toggle.addEventListener("click", function () {
      var open = document.body.classList.toggle("sidebar-open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
  var links = Array.prototype.slice.call(document.querySelectorAll("#TOC a[href^='#']"));
  if (!links.length || !("IntersectionObserver" in window)) { return; }
  var byId = {};
  links.forEach(function (a) { byId[decodeURIComponent(a.getAttribute("href").slice(1))] = a; });
  var observer = new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (!entry.isIntersecting) { return; }
      var link = byId[entry.target.id];
      if (!link) { return; }
      links.forEach(function (a) { a.classList.remove("active"); });
      link.classList.add("active");
    });
  }, { rootMargin: "0px 0px -70% 0px" });
  Object.keys(byId).forEach(function (id) {
    var el = document.getElementById(id);
    if (el) { observer.observe(el); }
  });
})();
