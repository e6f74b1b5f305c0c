// A school's page folds its sections (<details>): a link to a step inside one (#step-1-5, as after
// marking it) opens the section first, so the step is shown. Without JavaScript the sections open
// by hand and every form works.
(function () {
  "use strict";
  function reveal() {
    if (!location.hash) { return; }
    var target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (!target) { return; }
    var folded = target.closest("details");
    if (folded && !folded.open) {
      folded.open = true;
      target.scrollIntoView();
    }
  }
  reveal();
  window.addEventListener("hashchange", reveal);
})();
