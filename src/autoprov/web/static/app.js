// autoprov admin UI: progressive enhancement only. Every page works without this file.
//
// An element with data-poll-url is refreshed from that URL (an HTML fragment rendered by the
// server) every data-poll-seconds while the tab is visible. The server names each fragment's
// content in the X-Fragment-Version header (the page carries the first one in
// data-poll-version), so an unchanged fragment is never swapped in and focus stays put. With
// data-poll-mark-new, rows that were not there before get the "fresh" class.
"use strict";

(function () {
  function rowKeys(root) {
    var keys = new Set();
    root.querySelectorAll("[data-key]").forEach(function (el) { keys.add(el.dataset.key); });
    return keys;
  }

  function poll(el) {
    var seconds = Number(el.dataset.pollSeconds || "5");
    var busy = false;

    async function refresh() {
      if (busy || document.hidden) return;
      busy = true;
      try {
        var response = await fetch(el.dataset.pollUrl, {
          credentials: "same-origin",
          headers: { "Accept": "text/html" },
          cache: "no-store",
        });
        // A redirect means the session ended: leave the page as it is, the next click logs in.
        if (!response.ok || response.redirected) return;
        var version = response.headers.get("X-Fragment-Version");
        if (version && version === el.dataset.pollVersion) return;
        var html = await response.text();
        var before = rowKeys(el);
        el.innerHTML = html;
        el.dataset.pollVersion = version || "";
        if (el.dataset.pollMarkNew !== undefined) {
          el.querySelectorAll("[data-key]").forEach(function (row) {
            if (!before.has(row.dataset.key)) row.classList.add("fresh");
          });
        }
      } catch (error) {
        // The server may be restarting; try again on the next tick.
      } finally {
        busy = false;
      }
    }

    window.setInterval(refresh, seconds * 1000);
    document.addEventListener("visibilitychange", refresh);
  }

  // Submitting a select filter on change saves a click; the button stays for keyboard users.
  function autoSubmit(select) {
    select.addEventListener("change", function () { select.form.requestSubmit(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-poll-url]").forEach(poll);
    document.querySelectorAll("select[data-autosubmit]").forEach(autoSubmit);
  });
})();
