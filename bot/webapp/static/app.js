/* Buurtwacht Mini App: pick a place (residents), the area's open reports and the overview
   per buurt (officers and coordinators). Every API call carries Telegram's initData; the
   server decides who may see what. No third-party code but Telegram's script and the
   vendored Leaflet (+ markercluster). */
(function () {
  "use strict";

  var tg = (window.Telegram && window.Telegram.WebApp) || null;
  var params = new URLSearchParams(window.location.search);
  // Telegram's launch parameters are in the fragment (#tgWebAppData=…); its script reads them
  // into initData. Without that script (the offline demo, a plain browser), read them here.
  var initData = (tg && tg.initData) || new URLSearchParams(window.location.hash.slice(1)).get("tgWebAppData") || "";
  var state = { texts: {}, session: null, map: null, borders: null, cluster: null, pin: null,
                choropleth: null, incidents: [], markers: {}, period: "30d", chosen: null };
  var CLASS_COLOURS = ["#f1f3f5", "#ffe8cc", "#ffc078", "#fd7e14", "#e8590c", "#a61e4d"];

  function $(id) { return document.getElementById(id); }
  function text(key) { return state.texts[key] || ""; }

  function applyTheme() {
    var theme = (tg && tg.themeParams) || {};
    var root = document.documentElement.style;
    var names = { bg_color: "--tg-bg", text_color: "--tg-text", hint_color: "--tg-hint", link_color: "--tg-link",
                  button_color: "--tg-button", button_text_color: "--tg-button-text",
                  secondary_bg_color: "--tg-secondary-bg" };
    Object.keys(names).forEach(function (key) { if (theme[key]) { root.setProperty(names[key], theme[key]); } });
    document.body.classList.toggle("dark", !!tg && tg.colorScheme === "dark");
  }

  function api(path, options) {
    options = options || {};
    var headers = { "Authorization": "tma " + initData };
    if (options.body !== undefined) { headers["Content-Type"] = "application/json"; }
    return fetch("api/" + path, { method: options.method || "GET", headers: headers,
                                  body: options.body === undefined ? undefined : JSON.stringify(options.body) })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (!response.ok) {
            var error = new Error(body.error || String(response.status));
            error.status = response.status;
            throw error;
          }
          return body;
        });
      });
  }

  var toastTimer = null;
  function toast(message) {
    var box = $("toast");
    box.textContent = message;
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { box.hidden = true; }, 3500);
  }

  function fail(error) {
    if (window.console) { console.error(error && error.stack ? error.stack : error); }
    if (error && error.status === 401) { toast(text("not_in_telegram") || "Telegram?"); return; }
    toast((error && error.message && error.status) ? error.message : text("error"));
  }

  function makeMap() {
    var map = L.map("map", { zoomControl: true, attributionControl: true, maxZoom: 19, zoomSnap: 0.25 });
    var session = state.session;
    if (session.tiles) {
      L.tileLayer(session.tiles, { maxZoom: 19, attribution: session.attribution }).addTo(map);
    }
    map.setView([51.48, 5.65], 12);
    state.map = map;
    window.buurtwacht = { map: map };  // for the browser tests: pixel ↔ coordinates
    return map;
  }

  function bordersStyle() {
    var dark = document.body.classList.contains("dark");
    return { color: dark ? "#91a7ff" : "#3b5bdb", weight: 1.5, opacity: 0.9, fillOpacity: 0.04 };
  }

  function showBorders(collection) {
    if (state.borders) { state.borders.remove(); }
    state.borders = L.geoJSON(collection, {
      style: bordersStyle,
      onEachFeature: function (feature, layer) {
        layer.bindTooltip(feature.properties.name, { sticky: true, direction: "top" });
      }
    }).addTo(state.map);
    fit(collection.home);
  }

  function fit(box) {
    // Not animated: a zoom still running (a marker just shown) would swallow an animated fit.
    if (box) { state.map.fitBounds([[box[0], box[1]], [box[2], box[3]]], { padding: [12, 12], animate: false }); }
  }

  /* ---------------------------------------------------------------- residents: pick a place */

  function placeMode() {
    $("place-panel").hidden = false;
    $("place-message").textContent = text("place_hint");
    var send = $("place-send");
    send.textContent = text("place_send");
    var map = makeMap();
    api("areas?mode=place").then(showBorders).catch(fail);
    map.on("click", function (event) { choose(event.latlng); });
    send.addEventListener("click", function () {
      if (!state.chosen) { return; }
      var point = { lat: round(state.chosen.lat), lon: round(state.chosen.lng) };
      toast(text("place_sent"));
      if (tg && tg.sendData) { tg.sendData(JSON.stringify(point)); }
    });
  }

  function round(value) { return Math.round(value * 1e6) / 1e6; }

  function choose(latlng) {
    state.chosen = null;
    $("place-send").disabled = true;
    if (state.pin) { state.pin.setLatLng(latlng); } else {
      state.pin = L.marker(latlng, { icon: L.divIcon({ className: "pin new", html: "<span></span>",
                                                        iconSize: [28, 28], iconAnchor: [14, 14] }) })
        .addTo(state.map);
    }
    api("locate", { method: "POST", body: { lat: round(latlng.lat), lon: round(latlng.lng) } }).then(function (answer) {
      var panel = $("place-panel");
      $("place-message").textContent = answer.message;
      panel.classList.toggle("outside", !answer.inside);
      if (answer.inside) {
        state.chosen = latlng;
        $("place-send").disabled = false;
      }
      if (tg && tg.HapticFeedback) { tg.HapticFeedback.selectionChanged(); }
    }).catch(fail);
  }

  /* ---------------------------------------------------------------- officers and coordinators */

  function markerClass(incident) {
    return incident.status === "acknowledged" ? "acknowledged" : (incident.urgent ? "urgent" : "new");
  }

  function areaMode() {
    $("tabs").hidden = false;
    $("side").hidden = false;
    $("tab-map").textContent = text("tab_map");
    $("tab-overview").textContent = text("tab_overview");
    $("tab-overview").hidden = !state.session.may_overview;
    $("list-title").textContent = text("list_title");
    $("detail-close").textContent = text("close");
    $("overview-title").textContent = text("overview_title");
    $("overview-note").textContent = text("overview_note");
    Array.prototype.forEach.call(document.querySelectorAll(".tab"), function (button) {
      button.addEventListener("click", function () { switchTab(button.getAttribute("data-tab")); });
    });
    $("detail-close").addEventListener("click", closeDetail);
    makeMap();
    state.cluster = L.markerClusterGroup({
      maxClusterRadius: 50, showCoverageOnHover: false, spiderfyOnMaxZoom: true,
      iconCreateFunction: function (cluster) {
        var urgent = cluster.getAllChildMarkers().some(function (m) { return m.options.urgent; });
        var count = cluster.getChildCount();
        var size = count < 10 ? "small" : (count < 100 ? "medium" : "large");
        return L.divIcon({ html: "<div><span>" + count + "</span></div>",
                           className: "marker-cluster marker-cluster-" + size + (urgent ? " has-urgent" : ""),
                           iconSize: L.point(40, 40) });
      }
    }).addTo(state.map);
    api("areas?mode=map").then(showBorders).then(loadIncidents).catch(fail);
    buildPeriods();
  }

  function loadIncidents() {
    return api("incidents").then(function (body) {
      state.incidents = body.incidents;
      state.cluster.clearLayers();
      state.markers = {};
      var list = $("list");
      list.textContent = "";
      if (!body.incidents.length) {
        var empty = document.createElement("li");
        empty.className = "hint";
        empty.textContent = text("list_empty");
        list.appendChild(empty);
      }
      body.incidents.forEach(function (incident) {
        var kind = markerClass(incident);
        if (incident.lat !== null) {
          var marker = L.marker([incident.lat, incident.lon], {
            urgent: incident.urgent, title: incident.reference, zIndexOffset: incident.urgent ? 1000 : 0,
            icon: L.divIcon({ className: "pin " + kind, html: "<span></span>", iconSize: [30, 30], iconAnchor: [15, 15] })
          });
          marker.on("click", function () { openDetail(incident.id); });
          state.cluster.addLayer(marker);
          state.markers[incident.id] = marker;
        }
        var item = document.createElement("li");
        item.tabIndex = 0;
        item.setAttribute("data-id", String(incident.id));
        var dot = document.createElement("span");
        dot.className = "dot " + kind;
        var body2 = document.createElement("div");
        var what = document.createElement("div");
        what.className = "what";
        what.textContent = incident.category_label;
        if (incident.urgent) {
          var badge = document.createElement("span");
          badge.className = "badge";
          badge.textContent = text("urgent");
          what.appendChild(badge);
        }
        var meta = document.createElement("div");
        meta.className = "meta";
        meta.textContent = [incident.place, incident.when, (state.texts.status || {})[incident.status],
                            incident.count > 1 ? "👥 " + incident.count : "", incident.reference]
          .filter(Boolean).join(" · ");
        body2.appendChild(what);
        body2.appendChild(meta);
        item.appendChild(dot);
        item.appendChild(body2);
        item.addEventListener("click", function () { openDetail(incident.id); });
        item.addEventListener("keydown", function (e) { if (e.key === "Enter") { openDetail(incident.id); } });
        list.appendChild(item);
      });
    });
  }

  function openDetail(id) {
    api("incidents/" + id).then(function (detail) {
      $("list-panel").hidden = true;
      $("detail").hidden = false;
      $("detail").setAttribute("data-id", String(id));
      // The server renders it like the chat message (Telegram HTML, user text escaped there).
      $("detail-text").innerHTML = detail.html;
      $("detail-note").hidden = detail.view !== "group";
      $("detail-note").textContent = text("group_view");
      var actions = $("detail-actions");
      actions.textContent = "";
      detail.actions.forEach(function (action) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "action";
        button.setAttribute("data-status", action.status);
        button.textContent = action.label;
        button.addEventListener("click", function () { act(id, action.status, button); });
        actions.appendChild(button);
      });
      var marker = state.markers[id];
      if (marker) { state.map.setView(marker.getLatLng(), Math.max(state.map.getZoom(), 15), { animate: false }); }
    }).catch(fail);
  }

  function act(id, status, button) {
    button.disabled = true;
    api("incidents/" + id + "/status", { method: "POST", body: { status: status } }).then(function (answer) {
      toast(answer.message);
      if (tg && tg.HapticFeedback) { tg.HapticFeedback.notificationOccurred("success"); }
      return loadIncidents().then(function () { openDetail(id); });
    }).catch(function (error) { button.disabled = false; fail(error); });
  }

  function closeDetail() {
    $("detail").hidden = true;
    $("list-panel").hidden = false;
  }

  function switchTab(name) {
    Array.prototype.forEach.call(document.querySelectorAll(".tab"), function (button) {
      button.classList.toggle("active", button.getAttribute("data-tab") === name);
    });
    var overview = name === "overview";
    $("overview-panel").hidden = !overview;
    $("list-panel").hidden = overview;
    $("detail").hidden = true;
    if (overview) {
      state.map.removeLayer(state.cluster);
      if (state.borders) { state.map.removeLayer(state.borders); }
      loadOverview(state.period);
    } else {
      if (state.choropleth) { state.map.removeLayer(state.choropleth); }
      state.map.addLayer(state.cluster);
      if (state.borders) { state.map.addLayer(state.borders); }
    }
  }

  function buildPeriods() {
    var box = $("periods");
    var periods = state.texts.periods || {};
    Object.keys(periods).forEach(function (key) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "period" + (key === state.period ? " active" : "");
      button.setAttribute("data-period", key);
      button.textContent = periods[key];
      button.addEventListener("click", function () { loadOverview(key); });
      box.appendChild(button);
    });
  }

  function loadOverview(period) {
    state.period = period;
    Array.prototype.forEach.call(document.querySelectorAll(".period"), function (button) {
      button.classList.toggle("active", button.getAttribute("data-period") === period);
    });
    api("overview?period=" + encodeURIComponent(period)).then(function (collection) {
      if (state.choropleth) { state.map.removeLayer(state.choropleth); }
      var line = bordersStyle().color;
      state.choropleth = L.geoJSON(collection, {
        style: function (feature) {
          return { color: line, weight: 1, fillColor: CLASS_COLOURS[feature.properties["class"]] || CLASS_COLOURS[0],
                   fillOpacity: 0.72 };
        },
        onEachFeature: function (feature, layer) {
          layer.bindTooltip(feature.properties.name + ": " + feature.properties.shown, { sticky: true });
        }
      }).addTo(state.map);
      fit(collection.home);
      $("overview-label").textContent = collection.label;
      var legend = $("legend");
      legend.textContent = "";
      [text("legend_none"), "<3", "3–5", "6–10", "11–20", "> 20"].forEach(function (label, index) {
        var item = document.createElement("li");
        var swatch = document.createElement("i");
        swatch.style.background = CLASS_COLOURS[index];
        item.appendChild(swatch);
        item.appendChild(document.createTextNode(label));
        legend.appendChild(item);
      });
    }).catch(fail);
  }

  /* ---------------------------------------------------------------- start */

  function start() {
    if (tg) {
      tg.ready();
      if (tg.expand) { tg.expand(); }
      if (tg.onEvent) { tg.onEvent("themeChanged", applyTheme); }
    }
    applyTheme();
    var hint = tg && tg.initDataUnsafe && tg.initDataUnsafe.user ? tg.initDataUnsafe.user.language_code || "" : "";
    if (!initData) {
      fetch("api/texts?language=" + encodeURIComponent(hint)).then(function (r) { return r.json(); })
        .then(function (texts) { state.texts = texts; toast(text("not_in_telegram")); });
      return;
    }
    api("session").then(function (session) {
      state.session = session;
      state.texts = session.texts;
      document.documentElement.lang = session.language;
      document.title = text("title");
      var mode = params.get("mode") || (session.may_map ? "map" : "place");
      if (mode === "map" && session.may_map) { areaMode(); } else { placeMode(); }
      document.body.setAttribute("data-ready", mode === "map" && session.may_map ? "map" : "place");
    }).catch(function (error) {
      fetch("api/texts?language=" + encodeURIComponent(hint)).then(function (r) { return r.json(); })
        .then(function (texts) { state.texts = texts; fail(error); });
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
