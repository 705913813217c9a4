// raqib review queue: keyboard shortcuts, claim on open, and decisions (single and
// bulk) without a page reload. Progressive enhancement only: every form works without
// this file.
//   j / k  next / previous comment     a  approve     r  reject (with the chosen reason)
//   s      skip     x  select for bulk     o  open the comment page     ?  help
(function () {
  "use strict";
  // Rejecting a whole campaign is asked twice: it can take down published comments.
  Array.prototype.forEach.call(document.querySelectorAll("form.campaign-reject"), function (f) {
    f.addEventListener("submit", function (e) {
      if (!window.confirm(f.getAttribute("data-confirm") || "")) { e.preventDefault(); }
    });
  });
  var list = document.querySelector(".cards");
  if (!list) { return; }
  var csrf = list.getAttribute("data-csrf") || "";
  var current = -1;
  var claimed = {};

  function cards() {
    return Array.prototype.slice.call(list.querySelectorAll(".card:not(.done)"));
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch", "X-CSRF-Token": csrf },
      body: body
    });
  }

  // Opening a card leases it to this moderator, as opening the comment page does.
  function claim(card) {
    var id = card.getAttribute("data-id");
    if (!id || claimed[id]) { return; }
    claimed[id] = true;
    post("/ui/comments/" + encodeURIComponent(id) + "/claim", new URLSearchParams())
      .then(function (res) { return res.ok ? res.json() : { claimed: false }; })
      .then(function (v) { card.classList.toggle("claimed", !!v.claimed); })
      .catch(function () { delete claimed[id]; });
  }

  function mark(i) {
    cards().forEach(function (c, n) { c.classList.toggle("current", n === i); });
  }

  function select(i) {
    var all = cards();
    if (all.length === 0) { current = -1; return; }
    current = Math.max(0, Math.min(i, all.length - 1));
    mark(current);
    all[current].focus({ preventScroll: true });
    all[current].scrollIntoView({ block: "nearest" });
    claim(all[current]);
  }

  function finish(card) {
    var index = cards().indexOf(card);
    card.classList.add("done");
    card.setAttribute("aria-hidden", "true");
    window.setTimeout(function () { card.remove(); }, 300);
    return index;
  }

  // Post a decision form with fetch; on success fade the card out and move on.
  function send(form) {
    var card = form.closest(".card");
    return post(form.action, new URLSearchParams(new FormData(form))).then(function (res) {
      if (!res.ok) { throw new Error("HTTP " + res.status); }
      if (card) { select(finish(card)); }
    }).catch(function () {
      // Leased, already decided or the session expired: the server's page explains.
      form.submit();
    });
  }

  // The bulk form: decide every checked card, drop the ones that succeeded.
  var bulk = document.getElementById("bulk");
  if (bulk) {
    bulk.addEventListener("submit", function (e) {
      e.preventDefault();
      post(bulk.action, new URLSearchParams(new FormData(bulk))).then(function (res) {
        if (!res.ok) { throw new Error("HTTP " + res.status); }
        return res.json();
      }).then(function (v) {
        var failed = 0;
        (v.results || []).forEach(function (r) {
          var card = document.getElementById("c-" + r.comment_id);
          if (r.ok && card) { finish(card); } else { failed += 1; }
        });
        var status = document.getElementById("bulk-status");
        if (status) { status.textContent = failed ? status.getAttribute("data-partial") : status.getAttribute("data-done"); }
        select(Math.max(current, 0));
      }).catch(function () { bulk.submit(); });
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

  function toggleSelected() {
    var card = cards()[current];
    var box = card && card.querySelector("input.select");
    if (box) { box.checked = !box.checked; }
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
      case "x": toggleSelected(); break;
      case "o": {
        var card = cards()[current];
        var link = card && card.querySelector("a.open");
        if (link) { window.location.href = link.href; }
        break;
      }
      case "?": {
        var help = document.getElementById("help");
        if (help) { help.open = !help.open; }
        break;
      }
      default: return;
    }
    e.preventDefault();
  });

  // Clicking into a card (or tabbing into its controls) makes it current and claims it.
  function follow(e) {
    var card = e.target.closest && e.target.closest(".card");
    if (card) {
      var i = cards().indexOf(card);
      if (i >= 0 && i !== current) { current = i; mark(i); }
      if (i >= 0) { claim(card); }
    }
  }
  list.addEventListener("click", follow);
  list.addEventListener("focusin", follow);
})();
