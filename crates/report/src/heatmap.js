// The heatmap of report.html, drawn from #hm-data (see html.rs).
// #class=NAME&ou=N in the address selects a class and expands an OU.
(function () {
  var t0 = performance.now();
  var D = JSON.parse(document.getElementById('hm-data').textContent);
  var R = D.regions.length, PAGE = 100;
  // Worse states rank higher; a cell of an OU takes its accounts' worst.
  var BY_RANK = ['N', 'V', 'C', 'S', 'X', 'P', 'R', 'U', 'G'], RANK = {};
  BY_RANK.forEach(function (c, i) { RANK[c] = i; });
  var decoded = {};
  // One account's codes for class ci: run-length "17C", "C16." -> array.
  function line(p, ci) {
    var key = p + ':' + ci;
    if (decoded[key]) return decoded[key];
    var s = D.patterns[p].split('|')[ci] || '', out = [], m, re = /(\d*)(\D)/g;
    while ((m = re.exec(s))) {
      var n = m[1] ? +m[1] : 1;
      for (var j = 0; j < n; j++) out.push(m[2]);
    }
    return (decoded[key] = out);
  }
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) { return '&#' + c.charCodeAt(0) + ';'; });
  }
  // Suspended, not audited and role-not-assumable accounts are not covered
  // either (their cells are unknown); they only look different.
  function notCovered(c) { return c !== 'C' && c !== 'V' && c !== 'N' && c !== '.'; }
  var byOu = D.ous.map(function () { return []; });
  D.accounts.forEach(function (a, k) { byOu[a[2]].push(k); });
  var open = {}, shown = {};

  function render() {
    var ci = Math.max(0, D.classes.indexOf(document.getElementById('hm-class').value));
    var h = ['<table class="hm"><tr><th>OU</th><th class=n>accounts</th>'];
    D.regions.forEach(function (r) { h.push('<th><div class="r">' + esc(r) + '</div></th>'); });
    h.push('</tr>');
    D.ous.forEach(function (ou, oi) {
      var ids = byOu[oi], worst = [], bad = [], seen = [], failing = [];
      for (var r = 0; r < R; r++) { worst.push(-1); bad.push(0); seen.push(0); }
      ids.forEach(function (k) {
        var l = line(D.accounts[k][3], ci), fails = false;
        for (var r = 0; r < R; r++) {
          var c = l[r];
          if (!c || c === '.') continue;
          seen[r]++;
          if (notCovered(c)) { bad[r]++; fails = true; }
          worst[r] = Math.max(worst[r], RANK[c]);
        }
        if (fails) failing.push(k);
      });
      h.push('<tr><th><a href="#" data-ou="' + oi + '">' + (open[oi] ? '&#9662; ' : '&#9656; ') +
        esc(ou || '(no OU)') + '</a></th><td class=n>' + ids.length +
        (failing.length ? ' <span class="muted">(' + failing.length + ' not covered)</span>' : '') + '</td>');
      for (var r = 0; r < R; r++) {
        if (!seen[r]) { h.push('<td></td>'); continue; }
        h.push('<td class="' + BY_RANK[worst[r]] + ' c" title="' + esc(ou) + ' ' + esc(D.regions[r]) + ': ' +
          bad[r] + ' of ' + seen[r] + ' accounts not covered">' + (bad[r] || '') + '</td>');
      }
      h.push('</tr>');
      if (!open[oi]) return;
      var n = shown[oi] || PAGE;
      failing.slice(0, n).forEach(function (k) {
        var a = D.accounts[k], l = line(a[3], ci);
        h.push('<tr class="acct"><th>' + esc(a[0]) + ' <span class="muted">' + esc(a[1]) + '</span></th><td></td>');
        for (var r = 0; r < R; r++) {
          var c = l[r];
          h.push(c && c !== '.' ? '<td class="' + c + '" title="' + esc(a[1]) + ' ' + esc(D.regions[r]) + '"></td>' : '<td></td>');
        }
        h.push('</tr>');
      });
      if (!failing.length) {
        h.push('<tr class="acct"><td colspan="' + (R + 2) + '">every account of this OU is covered (or the region is not enabled) for this class</td></tr>');
      } else if (failing.length > n) {
        h.push('<tr class="acct"><td colspan="' + (R + 2) + '"><a href="#" data-more="' + oi + '">show ' +
          Math.min(PAGE, failing.length - n) + ' more of ' + (failing.length - n) + '</a></td></tr>');
      }
    });
    h.push('</table>');
    var el = document.getElementById('hm');
    el.innerHTML = h.join('');
    el.setAttribute('data-render-ms', (performance.now() - t0).toFixed(1));
  }

  document.getElementById('hm').addEventListener('click', function (ev) {
    var a = ev.target.closest('a');
    if (!a) return;
    ev.preventDefault();
    if (a.dataset.ou) { var oi = +a.dataset.ou; open[oi] = !open[oi]; }
    if (a.dataset.more) { var m = +a.dataset.more; shown[m] = (shown[m] || PAGE) + PAGE; }
    t0 = performance.now();
    render();
  });
  document.getElementById('hm-class').addEventListener('change', function () {
    t0 = performance.now();
    render();
  });
  var q = {};
  location.hash.replace(/^#/, '').split('&').forEach(function (p) {
    var kv = p.split('=');
    if (kv[1] !== undefined) q[kv[0]] = decodeURIComponent(kv[1]);
  });
  if (q['class'] && D.classes.indexOf(q['class']) >= 0) document.getElementById('hm-class').value = q['class'];
  if (q.ou !== undefined && D.ous[+q.ou] !== undefined) open[+q.ou] = true;
  render();
})();
