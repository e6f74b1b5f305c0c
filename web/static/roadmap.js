// The step form of the roadmap editor: the deadline's reading follows what is typed.
// On a change of the deadline or the dates the form is sent with action=check (nothing is saved)
// and the reading and the deadline's error are taken from the answer. Without JavaScript the
// «Проверить срок» button does the same.
(function () {
  var form = document.getElementById("step-form");
  if (!form) return;
  // form.action would be the button named «action»: read the attribute
  function check() {
    var data = new FormData(form);
    data.set("action", "check");
    fetch(form.getAttribute("action"), { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var answer = new DOMParser().parseFromString(html, "text/html");
        var reading = answer.getElementById("f-reading");
        var mine = document.getElementById("f-reading");
        if (reading && mine) mine.textContent = reading.textContent;
        var error = answer.getElementById("f-deadline-error");
        var shown = document.getElementById("f-deadline-error");
        if (shown) shown.remove();
        if (error) document.getElementById("f-deadline").insertAdjacentElement("afterend", error);
      })
      .catch(function () {});
  }
  ["f-deadline", "f-start", "f-end", "f-unscheduled"].forEach(function (id) {
    var field = document.getElementById(id);
    if (field) field.addEventListener("change", check);
  });
})();
