// raqib review queue: keyboard shortcuts and decisions without a page reload.
// Progressive enhancement only: every form works without this file.
//   j / k  next / previous comment     a  approve     r  reject (with the chosen reason)
//   s      skip                        ?  show or hide the shortcut help
(function () {
  "use strict";
  var list = document.querySelector(".cards");
  if (!list) { return; }
  var csrf = list.getAttribute("data-csrf") || "";
  var current = -1;

  function cards() {
    return Array.prototype.slice.call(list.querySelectorAll(".card:not(.done)"));
  }

  function select(i) {
    var all = cards();
    if (all.length === 0) { current = -1; return; }
    current = Math.max(0, Math.min(i, all.length - 1));
    all.forEach(function (c, n) { c.classList.toggle("current", n === current); });
    all[current].focus({ preventScroll: true });
    all[current].scrollIntoView({ block: "nearest" });
  }

  // Post a decision form with fetch; on success fade the card out and move on.
  function send(form) {
    var card = form.closest(".card");
    var body = new URLSearchParams(new FormData(form));
    return fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch", "X-CSRF-Token": csrf },
      body: body
    }).then(function (res) {
      if (!res.ok) { throw new Error("HTTP " + res.status); }
      var index = cards().indexOf(card);
      card.classList.add("done");
      card.setAttribute("aria-hidden", "true");
      window.setTimeout(function () { card.remove(); }, 300);
      select(index);
    }).catch(function () {
      // Leased, already decided or the session expired: the server's page explains.
      form.submit();
    });
  }

  list.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.classList || !form.classList.contains("decide")) { return; }
    e.preventDefault();
    send(form);
  });

  function decide(kind) {
    var card = cards()[current];
    if (!card) { return; }
    var form = card.querySelector('form[data-decision="' + kind + '"]');
    if (form) { send(form); }
  }

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) { return; }
    var tag = (e.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "select" || tag === "textarea") { return; }
    switch (e.key) {
      case "j": select(current + 1); break;
      case "k": select(current - 1); break;
      case "a": decide("approve"); break;
      case "r": decide("reject"); break;
      case "s": decide("skip"); break;
      case "?": {
        var help = document.getElementById("help");
        if (help) { help.open = !help.open; }
        break;
      }
      default: return;
    }
    e.preventDefault();
  });

  list.addEventListener("click", function (e) {
    var card = e.target.closest && e.target.closest(".card");
    if (card) {
      var i = cards().indexOf(card);
      if (i >= 0 && i !== current) {
        current = i;
        cards().forEach(function (c, n) { c.classList.toggle("current", n === i); });
      }
    }
  });
})();
