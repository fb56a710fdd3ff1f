// 码上联络站 工作台: the few things the pages do in the browser. No libraries, nothing fetched
// from outside (stations sit on intranets).
(function () {
  "use strict";

  // Ask before destructive actions: <form data-confirm="确定…？">
  document.addEventListener("submit", function (event) {
    var text = event.target.getAttribute("data-confirm");
    if (text && !window.confirm(text)) event.preventDefault();
  });

  // The overview: ask every few seconds whether anything happened; replace the live part if so.
  function poll(box) {
    var stamp = box.getAttribute("data-stamp");
    var every = parseInt(box.getAttribute("data-poll-ms"), 10) || 3000;
    var note = document.getElementById("live-status");
    var failures = 0;
    function tick() {
      fetch(box.getAttribute("data-poll-url") + "?stamp=" + encodeURIComponent(stamp), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) {
          if (response.status === 401) {
            note.className = "live-note lost";
            note.innerHTML = '登录已过期，页面停止自动刷新。<a href="' + box.getAttribute("data-login-url") + '">重新登录</a>';
            return null;
          }
          if (!response.ok) throw new Error(response.status);
          return response.json();
        })
        .then(function (data) {
          if (data === null) return;
          failures = 0;
          note.className = "live-note";
          if (data.changed) {
            stamp = data.stamp;
            box.innerHTML = data.html;
          }
          window.setTimeout(tick, every);
        })
        .catch(function () {
          failures += 1;
          note.className = "live-note lost";
          note.textContent = "暂时连不上服务器，正在重试……";
          window.setTimeout(tick, Math.min(every * (failures + 1), 30000));
        });
    }
    window.setTimeout(tick, every);
  }

  // Show only the day inputs of the chosen roster kind (all are shown without JavaScript).
  function rosterKinds(form) {
    function update() {
      var checked = form.querySelector("input[name=kind]:checked");
      var kind = checked ? checked.value : "";
      form.querySelectorAll(".kind-box").forEach(function (box) {
        box.hidden = box.getAttribute("data-kind") !== kind;
      });
    }
    form.addEventListener("change", update);
    update();
  }

  // Walk-in: the answer box only when answered on the spot.
  function onSpot(box, checkbox) {
    function update() { box.hidden = !checkbox.checked; }
    checkbox.addEventListener("change", update);
    update();
  }

  // "Back" links: the previous page when there is one (no javascript: URL, which the CSP forbids).
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-back]");
    if (link && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });

  // An item's photos: a click shows the photo over the page (each opening fetches it again:
  // the server records every view). Without <dialog> the link opens the photo in a new tab.
  function photoViewer(box, viewer) {
    if (!viewer.showModal) return;
    var img = viewer.querySelector("img");
    box.addEventListener("click", function (event) {
      var link = event.target.closest("a.photo");
      if (!link) return;
      event.preventDefault();
      img.src = link.href + (link.href.indexOf("?") < 0 ? "?" : "&") + "v=" + Date.now();
      viewer.showModal();
    });
    viewer.addEventListener("close", function () { img.removeAttribute("src"); });
    viewer.addEventListener("click", function (event) {
      if (event.target === viewer) viewer.close();
    });
  }

  // A background register export: ask how far it has got every two seconds until it is done.
  function exportProgress(box) {
    var bar = document.getElementById("export-progress");
    var label = document.getElementById("export-label");
    var error = document.getElementById("export-error");
    var link = document.getElementById("export-download");
    function show(data) {
      bar.value = data.percent;
      label.textContent = data.label + "：已写入 " + data.done.toLocaleString() + " / " +
        data.total.toLocaleString() + " 条（" + data.percent + "%）";
      if (data.error) { error.textContent = data.error; error.hidden = false; }
      if (data.download_url) { link.href = data.download_url; link.hidden = false; }
    }
    function tick() {
      fetch(box.getAttribute("data-status-url"), { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          show(data);
          if (data.status === "queued" || data.status === "running") setTimeout(tick, 2000);
        })
        .catch(function () { setTimeout(tick, 5000); });
    }
    var status = box.getAttribute("data-status");
    if (status === "queued" || status === "running") setTimeout(tick, 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var exportBox = document.getElementById("export");
    if (exportBox && window.fetch) exportProgress(exportBox);
    var live = document.getElementById("live");
    if (live && window.fetch) poll(live);
    var shiftForm = document.querySelector("#shift-form form");
    if (shiftForm) rosterKinds(shiftForm);
    var answer = document.getElementById("answer-box");
    var spot = document.getElementById("f-on_spot");
    if (answer && spot) onSpot(answer, spot);
    var photos = document.getElementById("photos");
    var viewer = document.getElementById("photo-viewer");
    if (photos && viewer) photoViewer(photos, viewer);
  });
})();
