/* The field page of the state metrological inspection: works with no network.

   IndexedDB "doluong-field" keeps: the day's package (meta/package), the instrument checks recorded on the phone
   (records: client id, inspection, the server version the edit was made from, the fields, pending or synced,
   a conflict with both versions) and the photos as Blobs with their SHA-256 (photos). The verdict is computed here
   from the package's limit rule in force and the MPE bands; the server computes it again when the check arrives.
   Sync posts the pending records and unsent photos to /inspections/field/sync/; a conflict is shown for the user
   to choose, never resolved silently. Plain JS, no framework, nothing from the network but this site. */
"use strict";
(function () {
  const ROOT = "/inspections/field/";
  const FIELDS = [
    "kind", "instrument", "found_unregistered", "stamp_ok", "certificate_ok", "seal_ok", "accuracy_class", "e",
    "max_capacity", "reference", "indicated", "dispenser_mpe_percent", "notes",
    "location_status", "latitude", "longitude", "location_accuracy", "located_at", "location_note",
  ];
  // every string shown comes from the JavaScript catalogue of the app (djangojs.po, served at {ROOT}jsi18n.js by
  // django.views.i18n.JavaScriptCatalog and kept by the service worker for offline use); should it be missing,
  // the English msgids show rather than nothing
  const gettext = window.gettext || ((s) => s);
  const pgettext = window.pgettext || ((c, s) => s);
  const ngettext = window.ngettext || ((s, p, n) => (n === 1 ? s : p));
  const interpolate = window.interpolate || ((fmt, obj) => fmt.replace(/%\(\w+\)s/g, (m) => String(obj[m.slice(2, -2)])));
  const DOT = " \u00b7 ", DASH = "\u2014";
  const LABELS = {
    kind: gettext("Kind of instrument"), instrument: gettext("Registered instrument"), found_unregistered: gettext("Instrument newly found"),
    stamp_ok: gettext("Valid verification stamp present"), certificate_ok: gettext("Valid verification certificate present"),
    seal_ok: gettext("Seal intact"),
    accuracy_class: gettext("Accuracy class"), e: gettext("Verification scale interval e (g)"), max_capacity: pgettext("field label", "Max (g)"),
    reference: gettext("Test load / standard measure volume"), indicated: gettext("Indication"), dispenser_mpe_percent: gettext("Dispenser MPE (%)"),
    notes: gettext("Notes"), location_status: pgettext("field label", "GPS position"), latitude: gettext("Latitude"), longitude: gettext("Longitude"),
    location_accuracy: pgettext("field label", "GPS accuracy (m)"), located_at: gettext("Time of the position"), location_note: gettext("Reason for no position"),
  };
  const ROLES = { inspector: gettext("Inspector"), inspected: gettext("Person inspected") };
  const KINDS = { nawi: gettext("Non-automatic weighing instrument"), fuel_dispenser: gettext("Fuel dispenser") };
  const STATUS = { valid: pgettext("certificate status", "valid"), expired: pgettext("certificate status", "expired"), revoked: pgettext("certificate status", "revoked"), superseded: pgettext("certificate status", "superseded") };
  const PASS = pgettext("verdict", "Pass"), FAIL = pgettext("verdict", "Fail");
  const YES = pgettext("present", "yes"), NO = pgettext("present", "no");
  const SYNCED = gettext("Synced"), PENDING = gettext("Waiting to sync");
  const CERT_NO = gettext("Verification certificate number");
  const ON_PHONE = gettext("computed on the phone");
  let db, pkg = null, editing = null, busy = false, signing = null, scanning = null;
  const $ = (sel, el) => (el || document).querySelector(sel);
  const h = (s) => String(s == null ? "" : s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  const vnDate = (iso) => (iso ? iso.slice(0, 10).split("-").reverse().join("/") : "");
  const num = (v) => (v === null || v === undefined || String(v).trim() === "" ? null : Number(String(v).replace(",", ".")));
  const fmt = (x, d) => (x === null || isNaN(x) ? DASH : Number(x.toFixed(d === undefined ? 3 : d)).toLocaleString("vi-VN"));

  // ------------------------------------------------------------------ IndexedDB
  function open() {
    return new Promise((resolve, reject) => {
      const req = indexedDB.open("doluong-field", 2);
      req.onupgradeneeded = (ev) => {
        const d = req.result;
        if (ev.oldVersion < 1) {
          d.createObjectStore("meta");
          d.createObjectStore("records", { keyPath: "client_id" });
          d.createObjectStore("photos", { keyPath: "client_id" });
        }
        if (ev.oldVersion < 2) d.createObjectStore("signatures", { keyPath: "client_id" });
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  function tx(store, mode, fn) {
    return new Promise((resolve, reject) => {
      const t = db.transaction(store, mode);
      const out = fn(t.objectStore(store));
      t.oncomplete = () => resolve(out && "result" in out ? out.result : out);
      t.onerror = () => reject(t.error);
    });
  }
  const put = (store, value, key) => tx(store, "readwrite", (s) => s.put(value, key));
  const get = (store, key) => tx(store, "readonly", (s) => s.get(key));
  const all = (store) => tx(store, "readonly", (s) => s.getAll());

  // ------------------------------------------------------------------ the verdict, offline
  function ruleFor(kind) {
    return (pkg && pkg.limit_rules || []).find((r) => r.instrument_kind === kind) || null;
  }
  function verdict(d) {
    const ref = num(d.reference), ind = num(d.indicated);
    if (ref === null || ind === null || isNaN(ref) || isNaN(ind)) return null;
    if (!d.kind) return { error: gettext("Choose the kind of instrument to get a verdict.") };
    const rule = ruleFor(d.kind);
    if (!rule) return { error: interpolate(gettext("No inspection limit rule is in force on %(date)s for this kind of instrument: no verdict can be given."), { date: vnDate(pkg.date) }, true) };
    const factor = Number(rule.factor);
    if (d.kind === "nawi") {
      const e = num(d.e), max = num(d.max_capacity), bands = pkg.mpe.nawi[d.accuracy_class];
      if (!bands || e === null || max === null || !(e > 0) || !(max > 0)) return { error: gettext("A scale needs its accuracy class, e and Max.") };
      if (ref > max) return { error: gettext("The test load is above the scale's Max.") };
      if (ref < 0) return { error: gettext("The test load cannot be negative.") };
      const band = bands.find((b) => b.upper_e === null || ref <= Number(b.upper_e) * e + 1e-9);
      const mpe = Number(band.mpe_e) * e, limit = factor * mpe, err = ind - ref;
      const ok = Math.abs(err) <= limit + 1e-9;
      return { ok, err, limit, unit: "g", rule: rule.code,
        text: interpolate(gettext("Error %(error)s g, limit %(factor)s \u00d7 %(mpe)s g = %(limit)s g (%(rule)s)"), { error: fmt(err), factor: fmt(factor), mpe: fmt(mpe), limit: fmt(limit), rule: rule.code }, true) };
    }
    if (!(ref > 0) || !(ind > 0)) return { error: gettext("The volume and the indication must be greater than 0.") };
    const given = num(d.dispenser_mpe_percent), f = pkg.mpe.fuel_dispenser;
    const mpe = given !== null ? given : Math.max(Number(f.mpe_percent), (2 * Number(f.mmq_l) * Number(f.mpe_percent) / 100) / ref * 100);
    const err = (ind - ref) / ref * 100, limit = factor * mpe;
    return { ok: err <= limit + 1e-9, err, limit, unit: "%", rule: rule.code,
      text: interpolate(gettext("Error %(error)s %, limit %(factor)s \u00d7 %(mpe)s % = %(limit)s % (%(rule)s)"), { error: fmt(err), factor: fmt(factor), mpe: fmt(mpe), limit: fmt(limit), rule: rule.code }, true) };
  }
  function verdictHtml(v) {
    if (!v) return '<div class="verdict muted">' + h(gettext("Enter the test load and the indication to get a verdict.")) + "</div>";
    if (v.error) return '<div class="verdict bad">' + h(v.error) + "</div>";
    return '<div class="verdict ' + (v.ok ? "ok" : "bad") + '"><b>' + (v.ok ? PASS : FAIL) + "</b> " + DASH + " " + h(v.text) + "</div>";
  }

  // ------------------------------------------------------------------ certificate signatures, offline
  // the signed bytes are the sorted-key compact JSON of the payload in UTF-8 (verification/signing.py), the
  // signature Ed25519 in base64url; the key is one of the package's published keys (the signed key history)
  function canonical(v) {
    if (v === null || typeof v !== "object") return JSON.stringify(v);
    if (Array.isArray(v)) return "[" + v.map(canonical).join(",") + "]";
    return "{" + Object.keys(v).sort().map((k) => JSON.stringify(k) + ":" + canonical(v[k])).join(",") + "}";
  }
  function unb64(t) {
    const s = atob(t.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (t.length % 4)) % 4));
    return Uint8Array.from(s, (c) => c.charCodeAt(0));
  }
  async function signatureOk(cert) {
    const key = (pkg.keys.keys || []).find((k) => k.key_id === cert.key_id);
    if (!key || !cert.payload || !cert.signature) return false;
    try {
      const pub = await crypto.subtle.importKey("raw", unb64(key.public_key), { name: "Ed25519" }, false, ["verify"]);
      return await crypto.subtle.verify({ name: "Ed25519" }, pub, unb64(cert.signature), new TextEncoder().encode(canonical(cert.payload)));
    } catch (e) {
      return false;
    }
  }
  async function signatures() {
    for (const el of document.querySelectorAll("[data-sig]")) {
      const inst = instrumentOf(Number(el.dataset.sig));
      const ok = inst && inst.certificate && (await signatureOk(inst.certificate));
      el.textContent = ok ? gettext("Digital signature valid (checked on the phone)") : gettext("Digital signature does not match");
      el.className = "badge " + (ok ? "ok" : "bad");
    }
  }

  // ------------------------------------------------------------------ GPS, offline
  // the phone's own positioning (no network needed for satellite GPS); when the browser has none, or it is refused
  // or fails, the check records "absent" with the reason; a position is never made up
  function position() {
    return new Promise((resolve) => {
      const absent = (why) => resolve({ location_status: "absent", latitude: null, longitude: null, location_accuracy: null, located_at: null, location_note: why });
      if (!("geolocation" in navigator)) { absent(gettext("The device has no positioning")); return; }
      navigator.geolocation.getCurrentPosition(
        (p) => resolve({ location_status: "recorded", latitude: p.coords.latitude.toFixed(6), longitude: p.coords.longitude.toFixed(6),
          location_accuracy: p.coords.accuracy === null || p.coords.accuracy === undefined ? null : p.coords.accuracy.toFixed(1),
          located_at: new Date(p.timestamp || Date.now()).toISOString(), location_note: "" }),
        (e) => absent(e && e.code === 1 ? gettext("The user did not allow positioning") : e && e.code === 3 ? gettext("Positioning timed out") : gettext("The position could not be obtained")),
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }
  const coord = (v) => Number(v).toFixed(6).replace(".", ",");
  function locationText(d) {
    if (d.location_status === "recorded") return interpolate(gettext("GPS position: %(latitude)s, %(longitude)s"), { latitude: coord(d.latitude), longitude: coord(d.longitude) }, true) + (d.location_accuracy !== null && d.location_accuracy !== undefined && d.location_accuracy !== "" ? " (\u00b1 " + fmt(Number(d.location_accuracy), 0) + " m)" : "");
    if (d.location_status === "absent") return interpolate(gettext("No GPS position: %(reason)s"), { reason: d.location_note || gettext("the device gave none") }, true);
    return gettext("GPS position: not taken yet");
  }
  async function sha256(buf) {
    return Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", buf))).map((b) => b.toString(16).padStart(2, "0")).join("");
  }

  // ------------------------------------------------------------------ the package
  async function loadPackage() {
    if (navigator.onLine) {
      try {
        const r = await fetch(ROOT + "package.json", { credentials: "same-origin", headers: { Accept: "application/json" } });
        if (r.ok && !r.redirected) {
          pkg = await r.json();
          await put("meta", pkg, "package");
        }
      } catch (e) { /* offline after all */ }
    }
    if (!pkg) pkg = await get("meta", "package");
    if (!pkg) return;
    for (const visit of pkg.inspections) {
      for (const c of visit.checks) {
        const local = await get("records", c.client_id);
        if (!local || (!local.dirty && !local.conflict)) {
          await put("records", { client_id: c.client_id, inspection: visit.id, base_version: c.version, data: pick(c), server: c, dirty: false, status: "synced" });
        } else if (local.server && local.server.version !== c.version && !local.conflict) {
          local.server_newer = c.version;
          await put("records", local);
        }
      }
    }
  }
  function pick(src) {
    const d = {};
    for (const f of FIELDS) d[f] = src[f] === undefined ? null : src[f];
    return d;
  }
  function siteOf(visit) { return pkg.sites.find((s) => s.id === visit.site) || { name: "", instruments: [] }; }
  function instrumentOf(id) {
    for (const s of pkg.sites) for (const i of s.instruments) if (i.id === id) return i;
    return null;
  }

  // ------------------------------------------------------------------ drawing
  async function draw() {
    const app = $("#app");
    if (!pkg) {
      app.innerHTML = '<div class="card"><h2>' + h(gettext("No data package yet")) + '</h2><p class="muted">' + h(gettext("Open this page once with the network to load the day's inspections.")) + "</p></div>";
      return;
    }
    $("#day").textContent = interpolate(gettext("Day %(date)s \u00b7 %(user)s"), { date: vnDate(pkg.date), user: pkg.user }, true);
    const records = await all("records"), photos = await all("photos"), sigs = await all("signatures");
    let out = "";
    if (!pkg.inspections.length) out += '<div class="card"><h2>' + h(gettext("No inspection today")) + '</h2><p class="muted">' + h(interpolate(gettext("The unsealed inspections of %(date)s will show here."), { date: vnDate(pkg.date) }, true)) + "</p></div>";
    for (const visit of pkg.inspections) {
      const site = siteOf(visit);
      out += '<section class="card" data-visit="' + visit.id + '"><h2>' + h(site.name) + "</h2>";
      out += '<div class="muted">' + h(site.kind_label) + (site.address ? DOT + h(site.address) : "") + DOT + h(site.commune) + "</div>";
      out += '<div class="muted">' + h(visit.campaign) + DOT + h(interpolate(gettext("Team leader: %(name)s"), { name: visit.inspector }, true)) + "</div>";
      out += qrHtml(visit);
      for (const inst of site.instruments) {
        const c = inst.certificate;
        out += '<div class="inst"><b>' + h(inst.name) + "</b>";
        out += c ? '<span class="badge ' + (c.status === "valid" ? "ok" : "bad") + '">' + h(interpolate(gettext("Cert. %(number)s"), { number: c.number }, true)) + DOT + h(STATUS[c.status] || c.status_label) + (c.valid_until ? DOT + h(interpolate(gettext("until %(date)s"), { date: vnDate(c.valid_until) }, true)) : "") + "</span>"
          : '<span class="badge bad">' + h(gettext("No verification certificate yet")) + "</span>";
        if (c) out += '<span class="badge" data-sig="' + inst.id + '">' + h(gettext("Checking the signature...")) + "</span>";
        out += '<div class="row"><button type="button" data-new="' + visit.id + '" data-instrument="' + inst.id + '">' + h(gettext("Inspect this instrument")) + '</button></div></div>';
      }
      if (site.instruments_truncated) out += '<div class="muted">' + h(interpolate(gettext("Only the first %(count)s instruments of the site are shown."), { count: site.instruments.length }, true)) + "</div>";
      out += '<div class="row"><button type="button" class="sec" data-new="' + visit.id + '">' + h(gettext("+ Unregistered instrument (newly found)")) + '</button></div>';
      const mine = records.filter((r) => r.inspection === visit.id);
      for (const r of mine) out += recordHtml(r, photos.filter((p) => p.check_client_id === r.client_id));
      if (editing && editing.inspection === visit.id) out += formHtml();
      out += signaturesHtml(visit, sigs.filter((x) => x.inspection === visit.id));
      out += "</section>";
    }
    app.innerHTML = out;
    bindForm();
    bindPads();
    await queueLine();
  }
  function recordHtml(r, photos) {
    const d = r.data, inst = d.instrument ? instrumentOf(d.instrument) : null;
    const v = r.server && !r.dirty ? { ok: r.server.verdict === "pass", text: r.server.explanation, server: true } : verdict(d);
    const state = r.conflict ? "conflict" : r.message ? "error" : r.dirty ? "pending" : "synced";
    const label = { conflict: gettext("Conflict: choose a version"), error: gettext("Refused"), pending: PENDING, synced: SYNCED }[state];
    let s = '<div class="rec ' + state + '" data-rec="' + r.client_id + '">';
    s += "<b>" + h(inst ? inst.name : d.found_unregistered || KINDS[d.kind]) + "</b> ";
    s += '<span class="badge ' + (state === "synced" ? "ok" : state === "pending" ? "warn" : "bad") + '">' + label + "</span>";
    s += '<div class="muted">' + h(KINDS[d.kind]) + DOT + h([interpolate(gettext("Stamp: %(value)s"), { value: d.stamp_ok ? YES : NO }, true), interpolate(gettext("Certificate: %(value)s"), { value: d.certificate_ok ? YES : NO }, true), interpolate(gettext("Seal: %(value)s"), { value: d.seal_ok ? gettext("intact") : NO }, true)].join(DOT)) + "</div>";
    if (v && !v.error && v.text) s += '<div class="verdict ' + (v.ok ? "ok" : "bad") + '"><b>' + (v.ok ? PASS : FAIL) + "</b> " + DASH + " " + h(v.text) + (v.server ? "" : " <i>(" + h(ON_PHONE) + ")</i>") + "</div>";
    else if (v && v.error) s += '<div class="verdict bad">' + h(v.error) + "</div>";
    if (d.location_status) s += '<div class="muted" data-gps="' + h(d.location_status) + '">' + h(locationText(d)) + "</div>";
    if (d.notes) s += '<div class="muted">' + h(interpolate(gettext("Notes: %(notes)s"), { notes: d.notes }, true)) + "</div>";
    if (photos.length) {
      s += '<div class="thumbs">';
      for (const p of photos) s += '<img alt="' + h(gettext("Photo")) + '" data-photo="' + p.client_id + '">';
      s += '<div class="muted">' + h(interpolate(ngettext("%(count)s photo", "%(count)s photos", photos.length), { count: photos.length }, true) + DOT + interpolate(gettext("%(count)s sent"), { count: photos.filter((p) => p.sent).length }, true)) + (photos.some((p) => p.message) ? DOT + h(photos.find((p) => p.message).message) : "") + "</div></div>";
    }
    if (r.message) s += '<div class="verdict bad">' + h(r.message) + "</div>";
    if (r.conflict) s += conflictHtml(r);
    else s += '<div class="row"><button type="button" class="sec" data-edit="' + r.client_id + '">' + h(gettext("Edit")) + '</button></div>';
    return s + "</div>";
  }
  function show(f, v) {
    if (f === "stamp_ok" || f === "certificate_ok" || f === "seal_ok") return v ? YES : NO;
    if (f === "kind") return KINDS[v] || v;
    if (f === "instrument") { const i = v ? instrumentOf(v) : null; return i ? i.name : v || ""; }
    return v === null || v === undefined ? "" : String(v);
  }
  function same(f, a, b) {
    if (["e", "max_capacity", "reference", "indicated", "dispenser_mpe_percent"].includes(f)) return num(a) === num(b);
    if (f === "instrument") return (a || null) == (b || null);
    if (typeof a === "boolean" || typeof b === "boolean") return !!a === !!b;
    return (a || "") === (b || "");
  }
  function conflictHtml(r) {
    const mine = r.conflict.mine, theirs = r.conflict.server;
    let s = '<div class="conflict"><div class="verdict bad">' + h(r.conflict.message) + "</div><table><tr><th></th><th>" + h(gettext("My version")) + "</th><th>" + h(interpolate(gettext("The server's version (version %(version)s)"), { version: theirs.version }, true)) + "</th></tr>";
    let equal = 0;
    for (const f of FIELDS) {
      if (same(f, mine[f], theirs[f])) { equal += 1; continue; }
      s += '<tr class="diff"><th>' + h(LABELS[f]) + "</th><td>" + h(show(f, mine[f])) + "</td><td>" + h(show(f, theirs[f])) + "</td></tr>";
    }
    const vm = verdict(Object.assign({}, theirs, mine));
    s += "<tr><th>" + h(pgettext("check result", "Verdict")) + "</th><td>" + (vm && !vm.error ? (vm.ok ? PASS : FAIL) + " (" + h(ON_PHONE) + ")" : "") + "</td><td>" + (theirs.verdict === "pass" ? PASS : theirs.verdict === "fail" ? FAIL : "") + "</td></tr>";
    s += "</table>" + (equal ? '<div class="muted">' + h(interpolate(ngettext("%(count)s other field is the same in both versions.", "%(count)s other fields are the same in both versions.", equal), { count: equal }, true)) + "</div>" : "") + "<div class=\"row\"><button type=\"button\" data-keep=\"" + r.client_id + "\">" + h(gettext("Keep mine")) + "</button><button type=\"button\" class=\"sec\" data-theirs=\"" + r.client_id + "\">" + h(gettext("Take the server's version")) + "</button></div></div>";
    return s;
  }
  // the instrument's last certificate in the form, its signature checked on the phone (signatures()), and what
  // the scanned QR code said
  function certificateHtml(inst) {
    const c = inst.certificate;
    if (!c) return "";
    let s = '<div data-form-cert="' + h(c.number) + '"><span class="badge ' + (c.status === "valid" ? "ok" : "bad") + '">' + h(interpolate(gettext("Cert. %(number)s"), { number: c.number }, true)) + DOT + h(STATUS[c.status] || c.status_label) + "</span>";
    s += '<span class="badge" data-sig="' + inst.id + '">' + h(gettext("Checking the signature...")) + "</span></div>";
    const q = editing && editing.scanned;
    if (q) s += '<div class="muted" data-scanned="' + (q.matches ? "match" : "mismatch") + '">' + h(q.matches ? interpolate(gettext("Certificate %(number)s read from its QR code."), { number: q.number }, true) : interpolate(gettext("The QR code of certificate %(number)s does not match its digital signature."), { number: q.number }, true)) + "</div>";
    return s;
  }
  function formHtml() {
    const d = editing.data, inst = d.instrument ? instrumentOf(d.instrument) : null;
    const opt = (v, l, cur) => '<option value="' + v + '"' + (cur === v ? " selected" : "") + ">" + l + "</option>";
    const box = (f) => '<label class="check"><input type="checkbox" name="' + f + '"' + (d[f] ? " checked" : "") + "> " + LABELS[f] + "</label>";
    const UNIT = d.kind === "nawi" ? { reference: gettext("Test load (g)"), indicated: gettext("Scale indication (g)") } : d.kind === "fuel_dispenser" ? { reference: gettext("Standard measure volume (L)"), indicated: gettext("Dispenser indication (L)") } : {};
    const field = (f, extra) => "<div><label for=\"f-" + f + "\">" + (UNIT[f] || LABELS[f]) + "</label><input id=\"f-" + f + "\" name=\"" + f + "\" inputmode=\"decimal\" autocomplete=\"off\" value=\"" + h(d[f] == null ? "" : d[f]) + "\"" + (extra || "") + "></div>";
    let s = '<form id="check-form" class="card" style="border:2px solid #0d5e3f"><h2>' + h(editing.isNew ? gettext("Record the check result") : gettext("Edit the check result")) + "</h2>";
    s += inst ? '<div class="muted">' + h(inst.name) + "</div>" + certificateHtml(inst) : '<label for="f-found">' + LABELS.found_unregistered + '</label><input id="f-found" type="text" name="found_unregistered" value="' + h(d.found_unregistered || "") + '" placeholder="' + h(gettext("For example: 15 kg spring dial scale")) + '">';
    s += '<label for="f-kind">' + LABELS.kind + '</label><select id="f-kind" name="kind">' + (d.kind ? "" : opt("", DASH + " " + h(gettext("Choose the kind of instrument")) + " " + DASH, d.kind)) + opt("nawi", KINDS.nawi, d.kind) + opt("fuel_dispenser", KINDS.fuel_dispenser, d.kind) + "</select>";
    s += box("stamp_ok") + box("certificate_ok") + box("seal_ok");
    if (d.kind === "nawi") {
      s += '<div class="grid2"><div><label for="f-class">' + LABELS.accuracy_class + '</label><select id="f-class" name="accuracy_class">' + ["I", "II", "III", "IIII"].map((c) => opt(c, c, d.accuracy_class)).join("") + "</select></div>" + field("e") + "</div>";
      s += '<div class="grid2">' + field("max_capacity") + field("reference") + "</div>" + field("indicated");
    } else if (d.kind === "fuel_dispenser") {
      s += '<div class="grid2">' + field("reference") + field("indicated") + "</div>" + field("dispenser_mpe_percent", ' placeholder="' + h(gettext("Empty: 0.5 %")) + '"');
    } else {
      s += '<div class="grid2">' + field("reference") + field("indicated") + "</div>";
    }
    s += '<div id="live">' + verdictHtml(verdict(d)) + "</div>";
    s += '<div id="gps" class="muted">' + h(d.location_status ? locationText(d) : editing.located ? locationText(editing.located) : gettext("GPS position: locating...")) + "</div>";
    s += '<label for="f-notes">' + LABELS.notes + '</label><textarea id="f-notes" name="notes" rows="2">' + h(d.notes || "") + "</textarea>";
    s += '<label for="f-photo">' + h(gettext("Take photos (stamp, seal, indication)")) + '</label><input id="f-photo" type="file" name="photo" accept="image/*" capture="environment" multiple>';
    s += '<div class="row"><button type="submit">' + h(gettext("Save on the phone")) + '</button><button type="button" class="sec" id="cancel">' + h(gettext("Cancel")) + '</button></div><div id="msg" class="muted"></div></form>';
    return s;
  }
  function readForm(form) {
    const d = Object.assign({}, editing.data);
    for (const el of form.elements) {
      if (!el.name || el.name === "photo") continue;
      d[el.name] = el.type === "checkbox" ? el.checked : el.value;
    }
    return d;
  }
  function bindForm() {
    const form = $("#check-form");
    if (!form) return;
    form.addEventListener("input", (ev) => {
      editing.data = readForm(form);
      if (ev.target.name === "kind") { draw(); return; }
      $("#live").innerHTML = verdictHtml(verdict(editing.data));
    });
    form.addEventListener("change", (ev) => { if (ev.target.name === "kind") { editing.data = readForm(form); draw(); } });
    $("#cancel").addEventListener("click", () => { editing = null; draw(); });
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      editing.data = readForm(form);
      const v = verdict(editing.data);
      if (!v) { $("#msg").textContent = gettext("Enter the test load and the indication."); return; }
      if (v.error) { $("#msg").textContent = v.error; return; }
      if (!editing.data.instrument && !String(editing.data.found_unregistered || "").trim()) { $("#msg").textContent = gettext("Describe the newly found instrument."); return; }
      if (!editing.data.location_status) {
        $("#msg").textContent = gettext("Getting the GPS position...");
        Object.assign(editing.data, editing.located || (await (editing.loc || position())));
      }
      const files = Array.from(form.elements.photo.files || []);
      const rec = (await get("records", editing.client_id)) || { client_id: editing.client_id, inspection: editing.inspection, base_version: null, server: null };
      rec.data = editing.data; rec.dirty = true; rec.message = ""; rec.status = "pending";
      await put("records", rec);
      for (const file of files) {
        if (!file.type.startsWith("image/")) { $("#msg").textContent = interpolate(gettext("The file \"%(name)s\" is not an image."), { name: file.name }, true); continue; }
        const buf = await file.arrayBuffer();
        const hash = await sha256(buf);
        const blob = new Blob([buf], { type: file.type });
        await put("photos", { client_id: crypto.randomUUID(), check_client_id: rec.client_id, inspection: rec.inspection, blob, name: file.name, sha256: hash, caption: interpolate(gettext("Photo of %(what)s"), { what: editing.data.found_unregistered || gettext("the instrument") }, true), taken_at: new Date().toISOString(), sent: false });
      }
      editing = null;
      await draw();
      if (navigator.onLine) sync();
    });
  }
  // ------------------------------------------------------------------ signatures drawn on the screen
  function signaturesHtml(visit, sigs) {
    let s = '<div class="inst" data-signatures="' + visit.id + '"><b>' + h(gettext("Signatures of the record")) + "</b>";
    for (const x of sigs) {
      s += '<div class="rec ' + (x.sent ? "synced" : x.message ? "error" : "pending") + '" data-sig-rec="' + x.client_id + '">' + h(ROLES[x.role]) + ": <b>" + h(x.signer) + "</b>" + DOT + h(new Date(x.signed_at).toLocaleString("vi-VN")) + ' <span class="badge ' + (x.sent ? "ok" : "warn") + '">' + (x.sent ? SYNCED : PENDING) + '</span><div><img alt="' + h(gettext("Signature")) + '" data-sig-img="' + x.client_id + '" style="max-width:100%;height:60px;background:#fff;border:1px solid #e5e7eb"></div>' + (x.message ? '<div class="verdict bad">' + h(x.message) + "</div>" : "") + "</div>";
    }
    if (signing === visit.id) {
      for (const role of ["inspector", "inspected"]) {
        const name = role === "inspector" ? visit.inspector : visit.person_present;
        s += '<div class="pad" data-pad="' + role + '"><label for="signer-' + role + '">' + ROLES[role] + " " + DASH + " " + h(gettext("full name")) + "</label>";
        s += '<input type="text" id="signer-' + role + '" value="' + h(name || "") + '">';
        s += '<canvas width="320" height="140" style="width:100%;max-width:480px;height:140px;border:1px dashed #64748b;border-radius:8px;background:#fff;touch-action:none;display:block;margin-top:6px" aria-label="' + h(gettext("Sign here")) + '"></canvas>';
        s += '<div class="row"><button type="button" data-save-sig="' + role + '" data-visit="' + visit.id + '">' + h(gettext("Save the signature")) + '</button><button type="button" class="sec" data-clear-sig="' + role + '">' + h(gettext("Sign again")) + '</button></div></div>';
      }
      s += '<div id="sig-msg" class="muted"></div><div class="row"><button type="button" class="sec" data-close-sign="1">' + h(gettext("Close")) + '</button></div>';
    } else {
      s += '<div class="row"><button type="button" class="sec" data-sign="' + visit.id + '">' + h(gettext("Sign on the screen")) + '</button></div>';
    }
    return s + "</div>";
  }
  function bindPads() {
    for (const pad of document.querySelectorAll("[data-pad] canvas")) {
      const ctx = pad.getContext("2d");
      ctx.lineWidth = 2.5; ctx.lineCap = "round"; ctx.strokeStyle = "#111827";
      let down = false;
      const at = (ev) => { const r = pad.getBoundingClientRect(); return [(ev.clientX - r.left) * pad.width / r.width, (ev.clientY - r.top) * pad.height / r.height]; };
      pad.addEventListener("pointerdown", (ev) => { down = true; pad.setPointerCapture && pad.setPointerCapture(ev.pointerId); const [x, y] = at(ev); ctx.beginPath(); ctx.moveTo(x, y); ev.preventDefault(); });
      pad.addEventListener("pointermove", (ev) => { if (!down) return; const [x, y] = at(ev); ctx.lineTo(x, y); ctx.stroke(); pad.dataset.ink = "1"; ev.preventDefault(); });
      const up = () => { down = false; };
      pad.addEventListener("pointerup", up); pad.addEventListener("pointerleave", up); pad.addEventListener("pointercancel", up);
    }
  }
  async function saveSignature(role, visitId) {
    const pad = document.querySelector('[data-pad="' + role + '"]');
    const canvas = pad.querySelector("canvas"), signer = pad.querySelector("input").value.trim();
    if (!canvas.dataset.ink) { $("#sig-msg").textContent = gettext("No stroke yet: sign in the box."); return; }
    if (!signer) { $("#sig-msg").textContent = gettext("Enter the signer's full name."); return; }
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
    const buf = await blob.arrayBuffer();
    await put("signatures", { client_id: crypto.randomUUID(), inspection: visitId, role, signer, signed_at: new Date().toISOString(), blob: new Blob([buf], { type: "image/png" }), sha256: await sha256(buf), sent: false });
    canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height);
    delete canvas.dataset.ink;
    await draw();
    const msg = $("#sig-msg");
    if (msg) msg.textContent = interpolate(gettext("Signature of the %(role)s saved on the phone."), { role: ROLES[role].toLowerCase() }, true);
    if (navigator.onLine) sync();
  }
  async function sigImages() {
    for (const img of document.querySelectorAll("img[data-sig-img]")) {
      const x = await get("signatures", img.dataset.sigImg);
      if (!x || !x.blob) continue;
      const reader = new FileReader();
      reader.onload = () => { img.src = reader.result; };
      reader.readAsDataURL(x.blob);
    }
  }

  // ------------------------------------------------------------------ the certificate's QR, or its number typed
  function qrHtml(visit) {
    let s = '<div class="row" data-qr="' + visit.id + '">';
    if (canScan()) s += '<button type="button" class="sec" data-scan="' + visit.id + '">' + h(gettext("Scan the certificate's QR code")) + '</button>';
    s += '<input type="text" data-cert-input="' + visit.id + '" placeholder="' + h(CERT_NO) + '" aria-label="' + h(CERT_NO) + '" style="flex:1;min-width:12em">';
    s += '<button type="button" class="sec" data-lookup="' + visit.id + '">' + h(gettext("Find")) + '</button></div><div class="muted" data-cert-msg="' + visit.id + '"></div>';
    if (scanning === visit.id) s += '<video data-video="' + visit.id + '" playsinline muted style="width:100%;max-height:260px;background:#000;border-radius:8px"></video><div class="row"><button type="button" class="sec" data-stop-scan="1">' + h(gettext("Stop scanning")) + '</button></div>';
    return s;
  }
  function numberFrom(text) {
    const t = String(text || "").trim();
    try { const u = new URL(t); return (u.searchParams.get("n") || u.pathname.split("/").filter(Boolean).pop() || "").trim(); } catch (e) { return t; }
  }
  // what the QR says besides the number: the certificate's short signature (verification.signing.public_check_url)
  function shortFrom(text) {
    try { return new URL(String(text || "").trim()).searchParams.get("s") || ""; } catch (e) { return ""; }
  }
  async function lookup(visitId, text, scanned) {
    const number = numberFrom(text), visit = pkg.inspections.find((v) => v.id === visitId), site = visit && siteOf(visit);
    const msg = document.querySelector('[data-cert-msg="' + visitId + '"]');
    const norm = (x) => String(x || "").replace(/\s+/g, "").toUpperCase();
    const inst = site && site.instruments.find((i) => i.certificate && norm(i.certificate.number) === norm(number));
    if (!inst) {
      const elsewhere = pkg.sites.some((s) => s.instruments.some((i) => i.certificate && norm(i.certificate.number) === norm(number)));
      if (msg) msg.textContent = number ? (elsewhere ? interpolate(gettext("Certificate %(number)s belongs to an instrument of another site of the day."), { number }, true) : interpolate(gettext("Certificate %(number)s is not in the day's package (it may be an instrument newly found)."), { number }, true)) : gettext("Enter the certificate number.");
      return;
    }
    await startCheck(visitId, inst.id);
    if (scanned) {
      // a QR whose short signature is not the start of the certificate's signature was not printed from it
      const short = shortFrom(text);
      editing.scanned = { number: inst.certificate.number, matches: !short || inst.certificate.signature.startsWith(short) };
      await draw();
    }
  }
  // the camera path: the browser's BarcodeDetector where it has one (Android, macOS, ChromeOS), otherwise the
  // vendored jsQR decoder on the video's frames (Chromium on Linux has no BarcodeDetector)
  function canScan() {
    return !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia) && ("BarcodeDetector" in window || typeof window.jsQR === "function");
  }
  function frameDecoder() {
    if ("BarcodeDetector" in window) {
      const detector = new BarcodeDetector({ formats: ["qr_code"] });
      return async (video) => { const codes = await detector.detect(video).catch(() => []); return codes.length ? codes[0].rawValue : null; };
    }
    const canvas = document.createElement("canvas"), ctx = canvas.getContext("2d", { willReadFrequently: true });
    return async (video) => {
      const w = video.videoWidth, ht = video.videoHeight;
      if (!w || !ht) return null;
      const k = Math.min(1, 960 / Math.max(w, ht));
      canvas.width = Math.round(w * k); canvas.height = Math.round(ht * k);
      ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
      const frame = ctx.getImageData(0, 0, canvas.width, canvas.height);
      const code = window.jsQR(frame.data, frame.width, frame.height, { inversionAttempts: "attemptBoth" });
      return code && code.data ? code.data : null;
    };
  }
  async function scan(visitId) {
    scanning = visitId;
    await draw();
    const video = document.querySelector('[data-video="' + visitId + '"]');
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
      video.srcObject = stream;
      await video.play();
      const decode = frameDecoder();
      while (scanning === visitId) {
        const text = await decode(video);
        if (text) { stopScan(); await lookup(visitId, text, true); return; }
        await new Promise((r) => setTimeout(r, 250));
      }
    } catch (e) {
      stopScan();
      await draw();
      const msg = document.querySelector('[data-cert-msg="' + visitId + '"]');
      if (msg) msg.textContent = gettext("The camera could not be opened to scan: type the certificate number.");
    }
  }
  function stopScan() {
    for (const v of document.querySelectorAll("video[data-video]")) if (v.srcObject) v.srcObject.getTracks().forEach((t) => t.stop());
    scanning = null;
  }
  // a new check starts with the kind of the instrument's registry type (the package says it: a scale is weighed
  // with check weights, a fuel dispenser measured with a standard capacity measure); otherwise none: the officer chooses
  function defaultKind(i) {
    return i && KINDS[i.kind] ? i.kind : "";
  }
  async function startCheck(visitId, inst) {
    const i = inst ? instrumentOf(inst) : null, c = i && i.certificate;
    editing = { isNew: true, client_id: crypto.randomUUID(), inspection: visitId, loc: position(),
      data: { kind: defaultKind(i), instrument: inst, found_unregistered: "", stamp_ok: false, certificate_ok: !!(c && c.status === "valid"), seal_ok: false, accuracy_class: "III", e: "", max_capacity: "", reference: "", indicated: "", dispenser_mpe_percent: "", notes: "",
        location_status: "", latitude: null, longitude: null, location_accuracy: null, located_at: null, location_note: "" } };
    const mine = editing;
    editing.loc.then((loc) => {
      mine.located = loc;
      if (editing !== mine || editing.data.location_status) return;
      const el = $("#gps");
      if (el) el.textContent = locationText(loc);
    });
    await draw();
    $("#check-form").scrollIntoView();
  }

  async function thumbs() {
    for (const img of document.querySelectorAll("img[data-photo]")) {
      const p = await get("photos", img.dataset.photo);
      if (!p || !p.blob) continue;
      const reader = new FileReader();
      reader.onload = () => { img.src = reader.result; };
      reader.readAsDataURL(p.blob); // a data: URL (the page's CSP allows data: images, not blob:)
    }
  }

  // ------------------------------------------------------------------ sync
  function csrf() {
    const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  async function queueLine() {
    const records = await all("records"), photos = await all("photos"), sigs = await all("signatures");
    const n = records.filter((r) => r.dirty && !r.conflict).length, p = photos.filter((x) => !x.sent).length, c = records.filter((r) => r.conflict).length;
    const parts = [], g = sigs.filter((x) => !x.sent).length;
    if (n) parts.push(interpolate(ngettext("%(count)s check waiting to be sent", "%(count)s checks waiting to be sent", n), { count: n }, true));
    if (p) parts.push(interpolate(ngettext("%(count)s photo waiting to be sent", "%(count)s photos waiting to be sent", p), { count: p }, true));
    if (g) parts.push(interpolate(ngettext("%(count)s signature waiting to be sent", "%(count)s signatures waiting to be sent", g), { count: g }, true));
    if (c) parts.push(interpolate(ngettext("%(count)s conflict to resolve", "%(count)s conflicts to resolve", c), { count: c }, true));
    $("#queue").textContent = parts.length ? parts.join(DOT) : gettext("Every change is synced");
    await thumbs();
    await sigImages();
    await signatures();
  }
  async function sync() {
    if (busy || !navigator.onLine) { if (!navigator.onLine) $("#queue").textContent = gettext("No network: the data are kept on the phone and sent when the network returns."); return; }
    busy = true;
    try {
      const records = (await all("records")).filter((r) => r.dirty && !r.conflict);
      const photos = (await all("photos")).filter((p) => !p.sent);
      const sigs = (await all("signatures")).filter((x) => !x.sent);
      if (!records.length && !photos.length && !sigs.length) { await loadPackage(); return; }
      const changes = records.map((r) => ({ type: "check", client_id: r.client_id, inspection: r.inspection, base_version: r.base_version, data: r.data }));
      const body = new FormData();
      for (const p of photos) {
        changes.push({ type: "photo", client_id: p.client_id, check_client_id: p.check_client_id, inspection: p.inspection, sha256: p.sha256, caption: p.caption, taken_at: p.taken_at });
        body.append(p.client_id, p.blob, p.name || "anh.jpg");
      }
      for (const x of sigs) {
        changes.push({ type: "signature", client_id: x.client_id, inspection: x.inspection, role: x.role, signer: x.signer, signed_at: x.signed_at, sha256: x.sha256 });
        body.append(x.client_id, x.blob, "chu-ky.png");
      }
      body.append("changes", JSON.stringify(changes));
      $("#queue").textContent = gettext("Syncing...");
      const r = await fetch(ROOT + "sync/", { method: "POST", body, credentials: "same-origin", headers: { "X-CSRFToken": csrf() } });
      if (!r.ok || r.redirected) { $("#queue").textContent = r.status === 403 || r.redirected ? gettext("The session has expired: sign in again, then sync.") : interpolate(gettext("The server did not receive the data (code %(status)s): the data stay on the phone."), { status: r.status }, true); return; }
      const answer = await r.json();
      for (const res of answer.results) {
        if (res.type === "check") {
          const rec = await get("records", res.client_id);
          if (!rec) continue;
          if (res.status === "applied") Object.assign(rec, { dirty: false, conflict: null, message: "", base_version: res.server.version, server: res.server, data: pick(res.server), status: "synced" });
          else if (res.status === "conflict") rec.conflict = { message: res.message, server: res.server, mine: rec.data };
          else rec.message = res.message;
          await put("records", rec);
        } else if (res.type === "signature") {
          const x = await get("signatures", res.client_id);
          if (!x) continue;
          if (res.status === "applied" || res.status === "duplicate") Object.assign(x, { sent: true, message: "" });
          else x.message = res.message;
          await put("signatures", x);
        } else if (res.type === "photo") {
          const p = await get("photos", res.client_id);
          if (!p) continue;
          if (res.status === "applied" || res.status === "duplicate") Object.assign(p, { sent: true, message: "" });
          else p.message = res.message;
          await put("photos", p);
        }
      }
      await loadPackage();
    } catch (e) {
      $("#queue").textContent = gettext("The connection was lost while syncing: the data stay on the phone.");
      return;
    } finally {
      busy = false;
    }
    await draw();
  }

  // ------------------------------------------------------------------ events
  document.addEventListener("click", async (ev) => {
    const t = ev.target.closest("button");
    if (!t) return;
    if (t.dataset.new) {
      await startCheck(Number(t.dataset.new), t.dataset.instrument ? Number(t.dataset.instrument) : null);
    } else if (t.dataset.sign) {
      signing = Number(t.dataset.sign);
      await draw();
    } else if (t.dataset.closeSign) {
      signing = null;
      await draw();
    } else if (t.dataset.saveSig) {
      await saveSignature(t.dataset.saveSig, Number(t.dataset.visit));
    } else if (t.dataset.clearSig) {
      const c = document.querySelector('[data-pad="' + t.dataset.clearSig + '"] canvas');
      c.getContext("2d").clearRect(0, 0, c.width, c.height);
      delete c.dataset.ink;
    } else if (t.dataset.lookup) {
      await lookup(Number(t.dataset.lookup), document.querySelector('[data-cert-input="' + t.dataset.lookup + '"]').value);
    } else if (t.dataset.scan) {
      scan(Number(t.dataset.scan));
    } else if (t.dataset.stopScan) {
      stopScan();
      await draw();
    } else if (t.dataset.edit) {
      const r = await get("records", t.dataset.edit);
      editing = { isNew: false, client_id: r.client_id, inspection: r.inspection, data: Object.assign({}, r.data) };
      if (!editing.data.location_status) editing.loc = position();
      await draw();
      $("#check-form").scrollIntoView();
    } else if (t.dataset.keep) {
      const r = await get("records", t.dataset.keep);
      Object.assign(r, { base_version: r.conflict.server.version, server: r.conflict.server, data: r.conflict.mine, conflict: null, dirty: true, message: "" });
      await put("records", r);
      await draw();
      sync();
    } else if (t.dataset.theirs) {
      const r = await get("records", t.dataset.theirs);
      Object.assign(r, { base_version: r.conflict.server.version, server: r.conflict.server, data: pick(r.conflict.server), conflict: null, dirty: false, message: "", status: "synced" });
      await put("records", r);
      await draw();
    } else if (t.id === "sync") {
      sync();
    }
  });
  function net() {
    const el = $("#net");
    el.textContent = navigator.onLine ? gettext("Online") : gettext("Offline");
    el.className = "net" + (navigator.onLine ? "" : " off");
  }
  window.addEventListener("online", () => { net(); sync(); });
  window.addEventListener("offline", net);

  async function start() {
    net();
    if ("serviceWorker" in navigator) {
      try { await navigator.serviceWorker.register(ROOT + "sw.js", { scope: ROOT }); } catch (e) { /* the page still works while open */ }
    }
    db = await open();
    await loadPackage();
    await draw();
    document.body.dataset.ready = "1";
  }
  start();
})();
