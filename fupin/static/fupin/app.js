// Fupin page behaviour: the phone-width navigation toggle. No inline scripts (CSP).
(function () {
  var toggle = document.querySelector("[data-nav-toggle]");
  var nav = document.getElementById("sidenav");
  if (!toggle || !nav) { return; }
  toggle.addEventListener("click", function () {
    var open = nav.classList.toggle("open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });
})();
