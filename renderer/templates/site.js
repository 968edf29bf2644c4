// Written for this site; no third-party code. Three jobs: fold the navbar behind its
// hamburger when its links do not fit on one line, open/close the navbar links and the
// sidebar on narrow screens, and mark the table-of-contents entry for the section in view.
(function () {
  "use strict";
  var bar = document.querySelector(".navbar-inner");
  function fitNavbar() {
    // Below 992px the stylesheet folds the navbar anyway; above, fold only if it overflows.
    document.body.classList.remove("navbar-collapsed");
    if (bar && bar.scrollWidth > bar.clientWidth + 1) { document.body.classList.add("navbar-collapsed"); }
  }
  fitNavbar();
  window.addEventListener("resize", fitNavbar);
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
