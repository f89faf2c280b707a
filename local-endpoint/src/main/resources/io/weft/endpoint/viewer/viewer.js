/*
 * Weft local endpoint: trace viewer.
 *
 * Plain DOM code, no libraries. Everything that comes from telemetry (names, URLs, SQL, properties,
 * tags, messages) reaches the page through textContent or setAttribute only, never as HTML, so a
 * name like <img src=x onerror=alert(1)> is shown literally.
 */
(function () {
  'use strict';

  const POLL_MS = 2000;
  const DEBOUNCE_MS = 250;
  const PAGE_SIZE = 50;
  const MAX_ROWS = 2000;
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const SQL_TYPES = new Set(['sql', 'postgresql', 'mysql', 'mariadb', 'h2', 'oracle', 'mssql', 'sqlserver',
    'db2', 'sqlite', 'hsqldb', 'derby', 'jdbc', 'r2dbc', 'cockroachdb', 'other_sql']);
  const LEGEND = [['request', 'Request'], ['http', 'HTTP'], ['sql', 'SQL'], ['mongodb', 'MongoDB'],
    ['inproc', 'InProc'], ['dependency', 'Other dependency'], ['exception', 'Exception'], ['message', 'Message']];

  // ------------------------------------------------------------------------------ DOM helpers

  /** Creates an HTML element. props: text, className, style {}, on {event: fn}, other keys become attributes. */
  function h(tag, props, ...children) {
    return build(document.createElement(tag), props, children);
  }

  /** Same as h() for SVG elements. */
  function svg(tag, props, ...children) {
    return build(document.createElementNS(SVG_NS, tag), props, children);
  }

  function build(node, props, children) {
    for (const [key, value] of Object.entries(props || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === 'text') node.textContent = toText(value);
      else if (key === 'className') node.setAttribute('class', value);
      else if (key === 'style') Object.assign(node.style, value);
      else if (key === 'on') Object.entries(value).forEach(([type, fn]) => node.addEventListener(type, fn));
      else node.setAttribute(key, value === true ? '' : String(value));
    }
    appendAll(node, children);
    return node;
  }

  /** Appends nodes and strings (as text nodes); skips null/false; flattens arrays. */
  function appendAll(parent, children) {
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      if (Array.isArray(child)) appendAll(parent, child);
      else parent.appendChild(child instanceof Node ? child : document.createTextNode(toText(child)));
    }
    return parent;
  }

  /** Replaces an element's content; children as for h() (arrays flattened, null skipped). */
  function fill(parent, ...children) {
    parent.replaceChildren();
    return appendAll(parent, children);
  }

  /** Any JSON value as display text. */
  function toText(value) {
    if (value === null || value === undefined) return '';
    if (typeof value === 'string') return value;
    if (typeof value === 'object') return JSON.stringify(value);
    return String(value);
  }

  function obj(value) {
    return value && typeof value === 'object' && !Array.isArray(value) ? value : {};
  }

  function list(value) {
    return Array.isArray(value) ? value : [];
  }

  /** A finite number, or null (the API may send null, strings or nothing at all). */
  function num(value) {
    if (typeof value === 'number') return Number.isFinite(value) ? value : null;
    if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
    return null;
  }

  function debounce(fn, ms) {
    let timer = 0;
    return () => {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  }

  // ------------------------------------------------------------------------------ formatting

  function pad(n, width) {
    return String(n).padStart(width || 2, '0');
  }

  /** Local time with milliseconds; the date is added when it is not today (or when asked). */
  function formatTime(start, iso, withDate) {
    let ms = num(start);
    if (ms === null && typeof iso === 'string' && !Number.isNaN(Date.parse(iso))) ms = Date.parse(iso);
    if (ms === null) return '—';
    const d = new Date(ms);
    const time = pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds()) + '.' +
      pad(d.getMilliseconds(), 3);
    if (!withDate && d.toDateString() === new Date().toDateString()) return time;
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + time;
  }

  function formatMs(value) {
    const ms = num(value);
    if (ms === null) return '—';
    const abs = Math.abs(ms);
    if (abs >= 1000) return (ms / 1000).toFixed(abs >= 10000 ? 1 : 2) + ' s';
    if (abs >= 100) return Math.round(ms) + ' ms';
    if (abs >= 10) return ms.toFixed(1) + ' ms';
    return ms.toFixed(2) + ' ms';
  }

  function formatPercent(value) {
    const p = num(value) || 0;
    return (Number.isInteger(p) ? p : p.toFixed(1)) + '%';
  }

  function shortId(id) {
    const text = toText(id);
    return text.length > 12 ? text.slice(0, 8) + '…' : text;
  }

  function truncate(text, max) {
    return text.length > max ? text.slice(0, max - 1) + '…' : text;
  }

  function traceHref(operationId) {
    return '#/trace/' + encodeURIComponent(toText(operationId));
  }

  /** The colour family of an item: request, http, sql, mongodb, inproc, dependency, exception, message, other. */
  function typeClass(type, dependencyType) {
    if (type === 'Request') return 'request';
    if (type === 'Exception') return 'exception';
    if (type === 'Message') return 'message';
    if (type !== 'RemoteDependency' && !dependencyType) return 'other';
    const dep = toText(dependencyType).toLowerCase();
    if (dep.startsWith('http')) return 'http';
    if (SQL_TYPES.has(dep) || dep.includes('sql')) return 'sql';
    if (dep.includes('mongo')) return 'mongodb';
    if (dep === 'inproc') return 'inproc';
    return 'dependency';
  }

  function legend(entries) {
    return h('div', { className: 'legend' }, entries.map(([cls, label]) =>
      h('span', { className: 'legend-item' }, h('span', { className: 'swatch type-' + cls }), label)));
  }

  // ------------------------------------------------------------------------------ fetching

  /** GETs JSON; resolves to {data, text}; rejects with a readable message (the API's "error" when it sends one). */
  async function getJson(url) {
    let response;
    try {
      response = await fetch(url, { headers: { Accept: 'application/json' }, cache: 'no-store' });
    } catch (e) {
      throw new Error('cannot reach the endpoint (' + e.message + ')');
    }
    const text = await response.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch (e) {
      if (response.ok) throw new Error('invalid JSON from ' + url);
    }
    if (!response.ok) {
      const error = new Error(data && typeof data.error === 'string' ? data.error
        : 'HTTP ' + response.status + ' from ' + url);
      error.status = response.status;
      throw error;
    }
    return { data, text };
  }

  // ------------------------------------------------------------------------------ app shell

  const app = {
    route: null,
    view: null,
    seq: 0,            // bumped by every load, so a late response for an old view is dropped
    lastText: null,    // the last rendered response body, to skip identical refreshes
    hasData: false,    // whether the current view shows data (then refresh errors only go to the status line)
    stats: null,       // the last /api/stats answer
    statsKey: null,    // what changes when new telemetry was accepted
    statuses: new Map(),
  };

  function parseRoute() {
    const raw = location.hash.replace(/^#\/?/, '');
    const q = raw.indexOf('?');
    const path = q >= 0 ? raw.slice(0, q) : raw;
    const slash = path.indexOf('/');
    const name = slash >= 0 ? path.slice(0, slash) : path;
    let arg = slash >= 0 ? path.slice(slash + 1) : '';
    try {
      arg = decodeURIComponent(arg);
    } catch (e) {
      // A hand-edited hash with a stray '%': use it as typed.
    }
    const view = Object.prototype.hasOwnProperty.call(VIEWS, name) ? name : 'operations';
    return { view, arg, query: new URLSearchParams(q >= 0 ? raw.slice(q + 1) : '') };
  }

  /** Rewrites the hash without a hashchange (filters, paging and selections are not navigation). */
  function replaceHash(hash) {
    history.replaceState(null, '', hash);
  }

  function navigate() {
    const route = parseRoute();
    app.route = route;
    app.view = VIEWS[route.view];
    app.lastText = null;
    app.hasData = false;
    delete document.body.dataset.ready;
    setStatus('view', null);
    for (const link of document.querySelectorAll('#nav a')) {
      link.classList.toggle('active', link.dataset.view === route.view);
    }
    const container = document.getElementById('view');
    container.replaceChildren();
    window.scrollTo(0, 0);
    app.view.mount(container, route);
    reload(false);
  }

  /** Fetches the current view's data and renders it; refresh = triggered by new telemetry. */
  async function reload(refresh) {
    const seq = ++app.seq;
    const view = app.view;
    let result;
    try {
      result = await view.fetch();
    } catch (error) {
      if (seq !== app.seq) return;
      if (app.hasData) {
        setStatus('view', 'Could not refresh: ' + error.message);
      } else {
        view.renderError(error);
      }
      finishRender();
      return;
    }
    if (seq !== app.seq) return;
    setStatus('view', null);
    if (!(refresh && result.text === app.lastText)) {
      app.lastText = result.text;
      const scrollX = window.scrollX;
      const scrollY = window.scrollY;
      view.render(result.data, refresh);
      app.hasData = true;
      if (refresh) window.scrollTo(scrollX, scrollY);
    }
    finishRender();
  }

  /** Test hook: body[data-ready] names the rendered view, body[data-renders] counts renders. */
  function finishRender() {
    document.body.dataset.ready = app.route.view;
    document.body.dataset.renders = String((Number(document.body.dataset.renders) || 0) + 1);
  }

  /** One status line for all sources (stats polling, view loads); null clears a source. */
  function setStatus(source, message) {
    if (message) app.statuses.set(source, message);
    else app.statuses.delete(source);
    const line = document.getElementById('status');
    line.textContent = Array.from(app.statuses.values()).join(' · ');
    line.hidden = app.statuses.size === 0;
  }

  /** A view's own error message, in place of its data. */
  function errorBox(target, title, error) {
    fill(target, h('div', { className: 'error-box' }, h('strong', { text: title }), ' ', error.message));
  }

  async function pollStats() {
    const dot = document.getElementById('live-dot');
    try {
      const stats = obj((await getJson('/api/stats')).data);
      app.stats = stats;
      setStatus('stats', null);
      dot.className = 'live-dot ok';
      document.getElementById('stored-count').textContent = toText(num(stats.itemsStored) ?? '–');
      // itemsStored joins the key so a restarted endpoint (counters reset) also refreshes.
      const key = toText(stats.itemsAccepted) + '/' + toText(stats.itemsStored);
      if (app.statsKey !== null && key !== app.statsKey && app.view) reload(true);
      app.statsKey = key;
    } catch (error) {
      dot.className = 'live-dot down';
      setStatus('stats', 'Live updates paused: ' + error.message + ' (retrying)');
    } finally {
      setTimeout(pollStats, POLL_MS);
    }
  }

  /** Adds (or re-targets) the "Trace" nav link once a trace has been opened. */
  function showTraceLink(operationId) {
    let link = document.querySelector('#nav a[data-view="trace"]');
    if (!link) {
      link = h('a', { 'data-view': 'trace', text: 'Trace' });
      document.querySelector('#nav a[data-view="operations"]').after(link);
    }
    link.setAttribute('href', traceHref(operationId));
    link.classList.add('active');
  }

  // ------------------------------------------------------------------------------ operations view

  const FILTERS = ['role', 'name', 'resultCode', 'failed', 'minDurationMs', 'q'];

  const operations = {
    offset: 0,
    filters: new URLSearchParams(),
    roles: '',
    els: {},
    lastHash: '#/operations',

    mount(root, route) {
      this.filters = new URLSearchParams();
      for (const key of FILTERS) {
        const value = route.query.get(key);
        if (value) this.filters.set(key, value);
      }
      this.offset = Math.max(0, Math.floor(num(route.query.get('offset')) || 0));
      this.lastHash = location.hash || '#/operations';
      this.roles = '';
      const els = this.els = {
        role: h('select', { id: 'filter-role', 'aria-label': 'Role' }, h('option', { value: '', text: 'All roles' })),
        name: h('input', { id: 'filter-name', type: 'search', placeholder: 'Name contains', 'aria-label': 'Name' }),
        resultCode: h('input', { id: 'filter-result', type: 'text', placeholder: 'Result', size: 6,
          'aria-label': 'Result code' }),
        failed: h('input', { id: 'filter-failed', type: 'checkbox' }),
        minDurationMs: h('input', { id: 'filter-min-duration', type: 'number', min: 0, step: 'any',
          placeholder: 'Min ms', 'aria-label': 'Minimum duration in ms' }),
        q: h('input', { id: 'filter-q', type: 'search', placeholder: 'Search names, URLs, SQL, targets…',
          'aria-label': 'Search' }),
        body: h('tbody'),
        empty: h('div'),
        prev: h('button', { id: 'page-prev', type: 'button', text: '← Previous' }),
        next: h('button', { id: 'page-next', type: 'button', text: 'Next →' }),
        info: h('span', { id: 'page-info' }),
      };
      this.setRoleOptions([]);
      for (const key of FILTERS) {
        if (key === 'failed') els.failed.checked = this.filters.get('failed') === 'true';
        else if (key !== 'role') els[key].value = this.filters.get(key) || '';
      }
      const apply = () => this.applyFilters();
      const later = debounce(apply, DEBOUNCE_MS);
      for (const key of FILTERS) {
        els[key].addEventListener('input', later);
        els[key].addEventListener('change', apply);
      }
      const clear = h('button', { type: 'button', className: 'link-button', text: 'Clear' });
      clear.addEventListener('click', () => {
        for (const key of FILTERS) {
          if (key === 'failed') els.failed.checked = false;
          else els[key].value = '';
        }
        apply();
      });
      els.prev.addEventListener('click', () => this.goTo(this.offset - PAGE_SIZE));
      els.next.addEventListener('click', () => this.goTo(this.offset + PAGE_SIZE));
      els.body.addEventListener('click', (event) => {
        const row = event.target.closest('tr.operation');
        if (row && !event.target.closest('a')) location.hash = traceHref(row.dataset.operationId);
      });
      const column = (cls, label) => h('th', { className: cls, text: label });
      root.append(
        h('div', { className: 'filters' },
          els.role, els.name, els.resultCode,
          h('label', { className: 'check' }, els.failed, ' Failed only'),
          els.minDurationMs, els.q, clear),
        h('table', { id: 'operations', className: 'grid' },
          h('thead', {}, h('tr', {}, column('col-time', 'Time'), column('col-role', 'Role'),
            column('col-name', 'Name'), column('col-duration num', 'Duration'), column('col-result', 'Result'),
            column('col-deps num', 'Dependencies'))),
          els.body),
        els.empty,
        h('div', { className: 'pager' }, els.prev, els.info, els.next));
    },

    /** Reads the inputs; reloads from the first page when anything changed. */
    applyFilters() {
      const next = new URLSearchParams();
      for (const key of FILTERS) {
        const input = this.els[key];
        const value = key === 'failed' ? (input.checked ? 'true' : '') : input.value.trim();
        if (value) next.set(key, value);
      }
      if (next.toString() === this.filters.toString()) return;
      this.filters = next;
      this.goTo(0);
    },

    goTo(offset) {
      this.offset = Math.max(0, offset);
      const query = new URLSearchParams(this.filters);
      if (this.offset) query.set('offset', String(this.offset));
      this.lastHash = '#/operations' + (query.toString() ? '?' + query : '');
      replaceHash(this.lastHash);
      reload(false);
    },

    fetch() {
      const query = new URLSearchParams(this.filters);
      query.set('limit', String(PAGE_SIZE));
      query.set('offset', String(this.offset));
      return getJson('/api/operations?' + query);
    },

    /** Refills the role select only when the list changed, so an open select is not disturbed. */
    setRoleOptions(roles) {
      const selected = this.filters.get('role') || '';
      const names = roles.map(toText);
      if (selected && !names.includes(selected)) names.push(selected);
      const key = JSON.stringify(names);
      if (key === this.roles) return;
      this.roles = key;
      fill(this.els.role, h('option', { value: '', text: 'All roles' }),
        names.map((name) => h('option', { value: name, text: name })));
      this.els.role.value = selected;
    },

    render(data) {
      const page = obj(data);
      const rows = list(page.operations);
      const total = num(page.total) ?? this.offset + rows.length;
      if (rows.length === 0 && this.offset > 0 && this.offset >= total) {
        this.goTo(Math.max(0, Math.floor((total - 1) / PAGE_SIZE) * PAGE_SIZE));
        return;
      }
      this.setRoleOptions(list(page.roles));
      fill(this.els.body, ...rows.map((op) => this.row(obj(op))));
      this.els.info.textContent = total === 0 || rows.length === 0 ? '0 of ' + total
        : (this.offset + 1) + '–' + (this.offset + rows.length) + ' of ' + total;
      this.els.prev.disabled = this.offset === 0;
      this.els.next.disabled = this.offset + rows.length >= total;
      fill(this.els.empty, rows.length ? null : this.emptyState());
    },

    row(op) {
      const id = toText(op.operationId);
      const classes = ['operation'];
      if (op.success === false) classes.push('failed');
      if (op.type === 'RemoteDependency') classes.push('kind-dependency');
      const items = num(op.itemCount);
      return h('tr', { className: classes.join(' '), 'data-operation-id': id },
        h('td', { className: 'col-time', title: toText(op.time) || null, text: formatTime(op.start, op.time) }),
        h('td', { className: 'col-role', text: toText(op.role) || '—' }),
        h('td', { className: 'col-name' },
          h('a', { href: traceHref(id), title: toText(op.name), text: toText(op.name) || '(unnamed)' })),
        h('td', { className: 'col-duration num', text: formatMs(op.durationMs) }),
        h('td', { className: 'col-result', text: toText(op.resultCode) || '—' }),
        h('td', { className: 'col-deps num', title: items === null ? null : items + ' items in the operation',
          text: toText(num(op.dependencyCount) ?? '—') }));
    },

    emptyState() {
      if (this.filters.toString()) {
        return h('div', { id: 'empty-state', className: 'notice' }, 'No operations match these filters.');
      }
      const stored = num(obj(app.stats).itemsStored);
      const connection = 'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=' +
        location.origin + '/';
      return h('div', { id: 'empty-state', className: 'notice' },
        h('h2', { text: stored ? 'No operations yet' : 'No telemetry yet' }),
        stored ? h('p', { text: stored + ' items are stored, but none is a request or a dependency.' }) : null,
        h('p', { text: 'Point any Application Insights SDK or exporter at this endpoint with:' }),
        h('pre', { className: 'connection-string',
          text: 'APPLICATIONINSIGHTS_CONNECTION_STRING="' + connection + '"' }),
        h('p', { className: 'muted', text: 'This page updates by itself when telemetry arrives.' }));
    },

    renderError(error) {
      this.els.body.replaceChildren();
      this.els.info.textContent = '';
      errorBox(this.els.empty, 'Could not load operations:', error);
    },
  };

  // ------------------------------------------------------------------------------ trace view

  const trace = {
    id: '',
    rows: [],
    rowEls: [],
    selectedId: null,
    selectedIndex: -1,
    rawOpen: false,
    els: {},

    mount(root, route) {
      this.id = route.arg;
      this.rows = [];
      this.rowEls = [];
      this.selectedId = null;
      this.selectedIndex = -1;
      this.rawOpen = false;
      showTraceLink(this.id);
      const els = this.els = {
        summary: h('div', { className: 'trace-summary' }),
        waterfall: h('div', { id: 'waterfall', className: 'waterfall' }),
        details: h('aside', { id: 'details', className: 'details' }),
      };
      els.waterfall.addEventListener('click', (event) => {
        const row = event.target.closest('.wf-row');
        if (row) this.select(Number(row.dataset.index));
      });
      els.waterfall.addEventListener('keydown', (event) => this.onKey(event));
      this.detailsHint();
      root.append(
        h('div', { className: 'view-head' },
          h('a', { className: 'back', href: operations.lastHash, text: '← Operations' }),
          h('h1', {}, 'Trace ', h('code', { text: this.id }))),
        els.summary,
        legend(LEGEND.concat([['failed', 'Failed']])),
        h('div', { className: 'trace-layout' }, els.waterfall, els.details));
    },

    fetch() {
      return getJson('/api/traces/' + encodeURIComponent(this.id));
    },

    render(data) {
      const roots = Array.isArray(data) ? data : (data && typeof data === 'object' ? [data] : []);
      this.rows = flatten(roots);
      if (this.rows.length === 0) {
        this.renderError(Object.assign(new Error('the trace is empty'), { status: 404 }));
        return;
      }
      const bounds = timeBounds(this.rows);
      this.renderSummary(roots, bounds);
      const shown = this.rows.slice(0, MAX_ROWS);
      this.rowEls = shown.map((row, index) => waterfallRow(row, index, bounds));
      const hidden = this.rows.length - shown.length;
      fill(this.els.waterfall, axisHeader(bounds), ...this.rowEls,
        hidden > 0 ? h('div', { className: 'wf-more', text: '… ' + hidden + ' more items not shown' }) : null);
      // Keep the selection across refreshes: same id first, else the same position.
      let index = this.selectedId === null ? -1 : shown.findIndex((row) => row.node.id === this.selectedId);
      if (index < 0 && this.selectedIndex < shown.length) index = this.selectedIndex;
      if (index >= 0) this.select(index);
      else this.detailsHint();
    },

    renderSummary(roots, bounds) {
      const first = obj(roots[0]);
      const failed = this.rows.filter((row) => row.node.success === false).length;
      fill(this.els.summary,
        h('span', { className: 'summary-name', text: toText(first.name) || toText(first.type) || '—' }),
        h('span', { text: formatTime(bounds.min, null, true) }),
        h('span', { text: formatMs(bounds.span) + ' total' }),
        h('span', { text: this.rows.length + (this.rows.length === 1 ? ' item' : ' items') }),
        failed ? h('span', { className: 'summary-failed', text: failed + ' failed' }) : null);
    },

    select(index) {
      const row = this.rows[index];
      if (!row || index >= this.rowEls.length) return;
      this.rowEls.forEach((el, i) => el.classList.toggle('selected', i === index));
      this.selectedIndex = index;
      this.selectedId = row.node.id ?? null;
      fill(this.els.details, ...detailsContent(row.node, this.rawOpen, (open) => {
        this.rawOpen = open;
      }));
    },

    /** Up/down arrows move the selection, so long traces can be read from the keyboard. */
    onKey(event) {
      const step = event.key === 'ArrowDown' ? 1 : event.key === 'ArrowUp' ? -1 : 0;
      if (!step || this.selectedIndex < 0) return;
      const index = Math.min(this.rowEls.length - 1, Math.max(0, this.selectedIndex + step));
      event.preventDefault();
      this.select(index);
      this.rowEls[index].focus();
    },

    detailsHint() {
      fill(this.els.details, h('p', { className: 'muted', text: 'Select a row to see its details.' }));
    },

    renderError(error) {
      if (error.status === 404) {
        fill(this.els.waterfall, h('div', { className: 'notice' },
          h('h2', { text: 'No items with this operation id' }), h('p', { className: 'muted', text: error.message }),
          h('p', { text: 'If the application is still sending, the trace appears here when it arrives.' })));
      } else {
        errorBox(this.els.waterfall, 'Could not load the trace:', error);
      }
    },
  };

  /** Sorts by start time; items without a start go last, the sort is stable otherwise. */
  function byStart(nodes) {
    const key = (node) => num(obj(node).start) ?? Infinity;
    return nodes.slice().sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      return ka === kb ? 0 : ka < kb ? -1 : 1;
    });
  }

  /** Depth-first rows [{node, depth}], children by start; iterative so a deep chain cannot overflow the stack. */
  function flatten(roots) {
    const out = [];
    const stack = byStart(roots).reverse().map((node) => ({ node, depth: 0 }));
    while (stack.length) {
      const { node, depth } = stack.pop();
      if (!node || typeof node !== 'object') continue;
      out.push({ node, depth });
      const children = byStart(list(node.children));
      // Past the server's nesting limit, descendants come flat, each with its true depth.
      for (let i = children.length - 1; i >= 0; i--) {
        const given = children[i] && typeof children[i].depth === 'number' ? children[i].depth : null;
        stack.push({ node: children[i], depth: given !== null ? given : depth + 1 });
      }
    }
    return out;
  }

  /** One time axis for the whole trace: the earliest start to the latest end. */
  function timeBounds(rows) {
    let min = Infinity;
    let max = -Infinity;
    for (const { node } of rows) {
      const start = num(node.start);
      if (start === null) continue;
      min = Math.min(min, start);
      max = Math.max(max, start + Math.max(0, num(node.durationMs) || 0));
    }
    if (min === Infinity) return { min: null, span: 0 };
    return { min, span: max - min };
  }

  function percent(value, span) {
    const p = span > 0 ? (value / span) * 100 : 0;
    return Math.min(100, Math.max(0, p));
  }

  function axisHeader(bounds) {
    const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => h('span', {
      className: 'wf-tick' + (f === 1 ? ' last' : ''), style: { left: f * 100 + '%' },
      text: bounds.span > 0 ? formatMs(bounds.span * f) : (f === 0 ? '0 ms' : ''),
    }));
    return h('div', { className: 'wf-axis' },
      h('div', { className: 'wf-namecol', text: 'Name' }),
      h('div', { className: 'wf-timeline' }, ticks),
      h('div', { className: 'wf-duration', text: 'Duration' }));
  }

  function displayName(node) {
    if (node.name) return toText(node.name);
    const base = obj(obj(obj(node.item).data).baseData);
    const exception = obj(list(base.exceptions)[0]);
    if (node.type === 'Exception' && exception.typeName) return toText(exception.typeName);
    if (node.type === 'Message' && base.message) return toText(base.message);
    return toText(node.type) || '(unknown item)';
  }

  function waterfallRow(row, index, bounds) {
    const node = row.node;
    const family = typeClass(node.type, node.dependencyType);
    const start = num(node.start);
    const duration = num(node.durationMs);
    const offset = start === null || bounds.min === null ? 0 : start - bounds.min;
    const left = percent(offset, bounds.span);
    const width = duration === null ? 0 : Math.min(percent(duration, bounds.span), 100 - left);
    const classes = ['wf-row', 'type-' + family];
    if (node.success === false) classes.push('failed');
    if (node.orphan === true) classes.push('orphan');
    if (node.cycle === true) classes.push('cycle');
    const name = displayName(node);
    const badges = [
      node.success === false ? h('span', { className: 'badge badge-failed', text: '✕ failed' }) : null,
      node.orphan === true ? h('span', { className: 'badge badge-orphan', text: 'parent not received' }) : null,
      node.cycle === true ? h('span', { className: 'badge badge-cycle', text: 'parent cycle' }) : null,
      start === null ? h('span', { className: 'badge', text: 'no time' }) : null,
    ];
    const bar = h('div', {
      className: 'wf-bar type-' + family + (duration === null ? ' wf-marker' : ''),
      style: { left: left.toFixed(3) + '%', width: width.toFixed(3) + '%' },
      title: name + ' · ' + (duration === null ? 'at +' + formatMs(offset) : formatMs(duration)),
    });
    return h('div', {
      className: classes.join(' '), tabindex: 0, 'data-index': index, 'data-id': toText(node.id),
      'data-depth': row.depth, 'data-type': toText(node.type), 'data-dependency-type': toText(node.dependencyType),
    },
    h('div', { className: 'wf-namecol', style: { paddingLeft: 8 + Math.min(row.depth, 12) * 14 + 'px' } },
      h('span', { className: 'wf-chip type-' + family }),
      h('span', { className: 'wf-name', title: name, text: name }), badges),
    h('div', { className: 'wf-timeline' }, bar),
    h('div', { className: 'wf-duration', text: duration === null ? '+' + formatMs(offset) : formatMs(duration) }));
  }

  /** The details panel: every field, properties, tags and the raw envelope. */
  function detailsContent(node, rawOpen, onRawToggle) {
    const item = obj(node.item);
    const base = obj(obj(item.data).baseData);
    const tags = obj(item.tags);
    const exception = obj(list(base.exceptions)[0]);
    const success = node.success === true ? 'yes' : node.success === false ? 'no (failed)' : '—';
    const fields = [
      ['type', 'Type', node.type],
      ['name', 'Name', node.name],
      ['id', 'Id', node.id],
      ['parentId', 'Parent id', node.parentId],
      ['operationId', 'Operation id', tags['ai.operation.id']],
      ['role', 'Role', node.role],
      ['dependencyType', 'Dependency type', node.dependencyType],
      ['target', 'Target', node.target],
      ['data', 'Data', node.data, true],
      ['resultCode', 'Result code', node.resultCode],
      ['duration', 'Duration', num(node.durationMs) === null ? null : formatMs(node.durationMs)],
      ['success', 'Success', success],
      ['start', 'Start', num(node.start) === null ? item.time : formatTime(node.start, null, true)],
    ];
    if (node.type === 'Exception') {
      fields.push(['exception', 'Exception', [exception.typeName, exception.message].filter(Boolean).join(': ')]);
      const stack = exception.stack || list(exception.parsedStack).map((frame) => {
        const f = obj(frame);
        return 'at ' + toText(f.method) + (f.fileName ? ' (' + toText(f.fileName) + ':' + toText(f.line) + ')' : '');
      }).join('\n');
      if (stack) fields.push(['stack', 'Stack', stack, true]);
    }
    if (node.type === 'Message') fields.push(['message', 'Message', base.message, true]);
    if (node.orphan === true) fields.push(['orphan', 'Parent', 'not received (' + toText(node.parentId) + ')']);
    if (node.cycle === true) fields.push(['cycle', 'Parent', 'part of a parent-id cycle, shown as a root']);

    const raw = h('details', { id: 'details-raw', open: rawOpen },
      h('summary', { text: 'Raw envelope' }), h('pre', { className: 'code', text: JSON.stringify(item, null, 2) }));
    raw.addEventListener('toggle', () => onRawToggle(raw.open));
    return [
      h('h2', { className: 'details-title', text: displayName(node) }),
      h('table', { className: 'kv', id: 'details-fields' }, h('tbody', {}, fields.map(([key, label, value, pre]) =>
        h('tr', { 'data-field': key }, h('th', { text: label }), h('td', {}, valueCell(value, pre)))))),
      kvSection('details-properties', 'Properties', base.properties),
      base.measurements ? kvSection('details-measurements', 'Measurements', base.measurements) : null,
      kvSection('details-tags', 'Tags', tags),
      raw,
    ];
  }

  function valueCell(value, pre) {
    const text = toText(value);
    if (!text) return h('span', { className: 'muted', text: '—' });
    return pre ? h('pre', { className: 'code', text }) : text;
  }

  function kvSection(id, title, values) {
    const entries = Object.entries(obj(values)).sort(([a], [b]) => a.localeCompare(b));
    return h('section', { id, className: 'kv-section' }, h('h3', { text: title }),
      entries.length === 0 ? h('p', { className: 'muted', text: 'None' })
        : h('table', { className: 'kv' }, h('tbody', {}, entries.map(([key, value]) =>
          h('tr', {}, h('th', { text: key }), h('td', { text: toText(value) }))))));
  }

  // ------------------------------------------------------------------------------ map view

  const MAP = { nodeW: 190, nodeH: 46, gapX: 240, rowH: 84, pad: 24 };
  const WINDOWS = [['5', 'Last 5 min'], ['15', 'Last 15 min'], ['60', 'Last hour'], ['0', 'All']];

  const map = {
    minutes: '15',
    edge: null,
    edgeEls: new Map(),
    edgeData: new Map(),
    callsSeq: 0,
    callsText: null,
    els: {},

    mount(root, route) {
      this.minutes = route.query.get('minutes') || '15';
      this.edge = route.query.get('edge');
      this.edgeEls = new Map();
      this.callsText = null;
      const options = WINDOWS.some(([value]) => value === this.minutes) ? WINDOWS
        : WINDOWS.concat([[this.minutes, 'Last ' + this.minutes + ' min']]);
      const select = h('select', { id: 'map-window', 'aria-label': 'Time window' },
        options.map(([value, label]) => h('option', { value, text: label })));
      select.value = this.minutes;
      select.addEventListener('change', () => {
        this.minutes = select.value;
        this.writeHash();
        reload(false);
      });
      const els = this.els = {
        range: h('span', { className: 'muted' }),
        canvas: h('div', { className: 'map-canvas' }),
        calls: h('section', { id: 'edge-calls', className: 'edge-calls', hidden: true }),
      };
      els.canvas.addEventListener('click', (event) => {
        const edge = event.target.closest && event.target.closest('g.map-edge');
        if (edge) this.selectEdge(edge.getAttribute('data-id'));
      });
      els.canvas.addEventListener('keydown', (event) => {
        const edge = event.target.closest && event.target.closest('g.map-edge');
        if (edge && (event.key === 'Enter' || event.key === ' ')) {
          event.preventDefault();
          this.selectEdge(edge.getAttribute('data-id'));
        }
      });
      root.append(
        h('div', { className: 'toolbar' }, h('h1', { text: 'Application map' }), select, els.range),
        legend([['role', 'Role']].concat(LEGEND.slice(1, 6))),
        els.canvas,
        els.calls);
    },

    writeHash() {
      const query = new URLSearchParams({ minutes: this.minutes });
      if (this.edge) query.set('edge', this.edge);
      replaceHash('#/map?' + query);
    },

    fetch() {
      return getJson('/api/map?minutes=' + encodeURIComponent(this.minutes));
    },

    render(data, refresh) {
      const graph = obj(data);
      const from = num(graph.from);
      const to = num(graph.to);
      this.els.range.textContent = from !== null && to !== null
        ? formatTime(from, null, true) + ' – ' + formatTime(to, null, true) : '';
      const nodes = list(graph.nodes).map(obj).filter((n) => n.id !== undefined && n.id !== null);
      const edges = list(graph.edges).map(obj).filter((e) => e.id !== undefined && e.id !== null);
      this.edgeEls = new Map();
      if (nodes.length === 0 && edges.length === 0) {
        fill(this.els.canvas, h('div', { className: 'notice' },
          h('h2', { text: 'No calls in this window' }),
          h('p', { className: 'muted', text: 'Choose a longer window, or send some telemetry.' })));
      } else {
        fill(this.els.canvas, drawMap(nodes, edges, this.edgeEls));
      }
      this.edgeData = new Map(edges.map((e) => [toText(e.id), e]));
      if (this.edge && this.edgeData.has(this.edge)) {
        this.highlightEdge();
        this.loadCalls(refresh);
      } else {
        this.edge = null;
        this.els.calls.hidden = true;
      }
    },

    selectEdge(id) {
      this.edge = id;
      this.writeHash();
      this.highlightEdge();
      this.loadCalls(false);
    },

    highlightEdge() {
      for (const [id, el] of this.edgeEls) el.classList.toggle('selected', id === this.edge);
    },

    async loadCalls(refresh) {
      const seq = ++this.callsSeq;
      const edge = this.edgeData.get(this.edge) || {};
      const section = this.els.calls;
      section.hidden = false;
      if (!refresh) {
        this.callsText = null;
        fill(section, h('p', { className: 'muted', text: 'Loading calls…' }));
      }
      let result;
      try {
        result = await getJson('/api/map/calls?edge=' + encodeURIComponent(this.edge) +
          '&minutes=' + encodeURIComponent(this.minutes));
      } catch (error) {
        if (seq === this.callsSeq && app.view === this) errorBox(section, 'Could not load calls:', error);
        return;
      }
      if (seq !== this.callsSeq || app.view !== this) return;
      if (result.text !== this.callsText) {
        this.callsText = result.text;
        const calls = obj(result.data);
        fill(section,
          h('h2', {}, 'Calls from ', h('code', { text: labelOf(edge.source) }), ' to ',
            h('code', { text: labelOf(edge.target) })),
          h('div', { className: 'call-columns' },
            callList('edge-slowest', 'Slowest calls', calls.slowest, 'No calls'),
            callList('edge-failed', 'Failed calls', calls.failed, 'No failed calls')));
      }
      finishRender();
    },

    renderError(error) {
      errorBox(this.els.canvas, 'Could not load the application map:', error);
    },
  };

  /** "role:orders" → "orders"; the node's label when the map knows it. */
  function labelOf(nodeId) {
    const node = map.nodes && map.nodes.get(toText(nodeId));
    return node && node.label ? toText(node.label) : toText(nodeId).replace(/^(role|dep):/, '');
  }

  function callList(id, title, calls, emptyText) {
    const items = list(calls).map(obj);
    return h('div', {}, h('h3', { text: title }),
      h('ol', { id, className: 'calls' }, items.length === 0 ? h('li', { className: 'muted', text: emptyText })
        : items.map((call) => h('li', { className: call.success === false ? 'failed' : null },
          h('a', { className: 'call-link', href: traceHref(call.operationId),
            text: toText(call.name) || toText(call.operationId) || '(unnamed call)' }),
          h('span', { className: 'call-meta', text: [formatMs(call.durationMs), toText(call.resultCode) || null,
            formatTime(call.start, call.time)].filter(Boolean).join(' · ') }),
          call.data ? h('div', { className: 'call-data', title: toText(call.data),
            text: truncate(toText(call.data), 160) }) : null))));
  }

  /**
   * Layered layout: roles start in column 0; a role called by another role moves one column right of its
   * caller (bounded, so call cycles terminate); a dependency sits one column right of its rightmost caller.
   * Within a column, nodes are ordered by the average row of their callers to keep edges short.
   */
  function layoutMap(nodes, edges) {
    const isRole = (node) => node.kind === 'role';
    const roles = nodes.filter(isRole);
    const column = new Map(nodes.map((n) => [n.id, 0]));
    const byId = new Map(nodes.map((n) => [n.id, n]));
    for (let pass = 0; pass < roles.length; pass++) {
      let changed = false;
      for (const e of edges) {
        const source = byId.get(e.source);
        const target = byId.get(e.target);
        if (!source || !target || source === target || !isRole(source) || !isRole(target)) continue;
        const want = column.get(source.id) + 1;
        if (want > column.get(target.id) && want < roles.length) {
          column.set(target.id, want);
          changed = true;
        }
      }
      if (!changed) break;
    }
    const roleMax = Math.max(0, ...roles.map((r) => column.get(r.id)));
    for (const node of nodes.filter((n) => !isRole(n))) {
      const callers = edges.filter((e) => e.target === node.id && byId.has(e.source) && e.source !== node.id);
      column.set(node.id, callers.length ? 1 + Math.max(...callers.map((e) => column.get(e.source))) : roleMax + 1);
    }
    const columns = [];
    for (const node of nodes) (columns[column.get(node.id)] = columns[column.get(node.id)] || []).push(node);
    for (let i = 0; i < columns.length; i++) columns[i] = columns[i] || [];
    const rowOf = new Map();
    columns.forEach((members) => {
      const weight = new Map(members.map((node) => {
        const rows = edges.filter((e) => e.target === node.id && rowOf.has(e.source)).map((e) => rowOf.get(e.source));
        return [node.id, rows.length ? rows.reduce((a, b) => a + b, 0) / rows.length : -1];
      }));
      members.sort((a, b) => weight.get(a.id) - weight.get(b.id) || Number(isRole(b)) - Number(isRole(a)) ||
        toText(a.label).localeCompare(toText(b.label)));
      members.forEach((node, i) => rowOf.set(node.id, i));
    });
    const tallest = Math.max(1, ...columns.map((c) => c.length));
    const positions = new Map();
    columns.forEach((members, col) => {
      const top = MAP.pad + ((tallest - members.length) * MAP.rowH) / 2;
      members.forEach((node, row) => positions.set(node.id, {
        x: MAP.pad + col * (MAP.nodeW + MAP.gapX), y: top + row * MAP.rowH, col,
      }));
    });
    return {
      positions,
      width: MAP.pad * 2 + columns.length * MAP.nodeW + (columns.length - 1) * MAP.gapX,
      height: MAP.pad * 2 + (tallest - 1) * MAP.rowH + MAP.nodeH + 60,
    };
  }

  function drawMap(rawNodes, edges, edgeEls) {
    const nodes = rawNodes.map((n) => Object.assign({}, n, { id: toText(n.id) }));
    const known = new Set(nodes.map((n) => n.id));
    // An edge to a node the API did not list still gets a node, so no call disappears from the picture.
    for (const e of edges) {
      for (const end of [toText(e.source), toText(e.target)]) {
        if (known.has(end)) continue;
        known.add(end);
        nodes.push({ id: end, kind: end.startsWith('role:') ? 'role' : 'dependency', label: end });
      }
    }
    const links = edges.map((e) => Object.assign({}, e, { id: toText(e.id), source: toText(e.source),
      target: toText(e.target) }));
    map.nodes = new Map(nodes.map((n) => [n.id, n]));
    const layout = layoutMap(nodes, links);
    const at = (id) => layout.positions.get(id);
    const curves = links.map((link) => edgePoints(at(link.source), at(link.target)));
    // What a label should not cover: the nodes, labels placed before it, and points along the other edges.
    const avoid = {
      boxes: Array.from(layout.positions.values(), (p) => ({ x: p.x, y: p.y, w: MAP.nodeW, h: MAP.nodeH })),
      points: curves.map((points) => [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9].map((t) => bezier(points, t))),
    };
    const groups = links.map((link, i) => {
      const group = drawEdge(link, curves[i], placeLabel.bind(null, curves[i], i, avoid));
      edgeEls.set(link.id, group);
      return group;
    });
    return svg('svg', { id: 'app-map', width: layout.width, height: layout.height,
      viewBox: '0 0 ' + layout.width + ' ' + layout.height, role: 'img', 'aria-label': 'Application map' },
    svg('defs', {}, arrowMarker('arrow', 'arrow-head'), arrowMarker('arrow-failed', 'arrow-head failed')),
    svg('g', { className: 'map-edges' }, groups),
    svg('g', { className: 'map-nodes' }, nodes.map((n) => drawNode(n, layout.positions.get(n.id)))));
  }

  function arrowMarker(id, className) {
    // userSpaceOnUse: the arrow keeps its size however thick the line is.
    return svg('marker', { id, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 10, markerHeight: 10,
      markerUnits: 'userSpaceOnUse', orient: 'auto-start-reverse' },
    svg('path', { d: 'M0,0 L10,5 L0,10 z', className }));
  }

  function drawNode(node, pos) {
    const isRole = node.kind === 'role';
    const family = isRole ? 'role' : typeClass('RemoteDependency', node.dependencyType);
    const label = toText(node.label) || node.id;
    const calls = num(node.calls);
    const failed = num(node.failed) || 0;
    const sub = [isRole ? null : toText(node.dependencyType) || 'dependency',
      calls === null ? null : plural(calls, isRole ? 'request' : 'call'), failed ? failed + ' failed' : null];
    return svg('g', { className: 'map-node type-' + family + (failed ? ' has-failures' : ''), 'data-id': node.id,
      transform: 'translate(' + pos.x + ',' + pos.y + ')' },
    svg('title', { text: label }),
    svg('rect', { width: MAP.nodeW, height: MAP.nodeH, rx: 7 }),
    svg('rect', { className: 'map-node-stripe', width: 6, height: MAP.nodeH, rx: 3 }),
    svg('text', { className: 'map-node-label', x: 14, y: 19, text: truncate(label, 26) }),
    svg('text', { className: 'map-node-sub', x: 14, y: 36, text: sub.filter(Boolean).join(' · ') }));
  }

  function plural(count, noun) {
    return count + ' ' + noun + (count === 1 ? '' : 's');
  }

  /** Control points of a cubic curve from the caller's right side to the callee's left side. */
  function edgePoints(source, target) {
    const midY = MAP.nodeH / 2;
    if (source === target) {
      const x = source.x + MAP.nodeW;
      return [[x, source.y + 10], [x + 70, source.y - 30], [x + 70, source.y + MAP.nodeH + 30],
        [x, source.y + MAP.nodeH - 10]];
    }
    if (target.x > source.x) {
      const x1 = source.x + MAP.nodeW;
      const x2 = target.x - 1;
      const bend = (x2 - x1) / 2;
      return [[x1, source.y + midY], [x1 + bend, source.y + midY], [x2 - bend, target.y + midY], [x2, target.y + midY]];
    }
    // Back edge (or same column): leave from the bottom, enter the callee from below.
    const x1 = source.x + MAP.nodeW / 2 + 12;
    const x2 = target.x + MAP.nodeW / 2 - 12;
    const low = Math.max(source.y, target.y) + MAP.nodeH + 50;
    return [[x1, source.y + MAP.nodeH], [x1, low], [x2, low], [x2, target.y + MAP.nodeH + 1]];
  }

  function bezier([p0, p1, p2, p3], t) {
    const u = 1 - t;
    const at = (i) => u * u * u * p0[i] + 3 * u * u * t * p1[i] + 3 * u * t * t * p2[i] + t * t * t * p3[i];
    return [at(0), at(1)];
  }

  /**
   * Picks the spot along the curve (middle first) whose label box covers the fewest nodes, labels and
   * points of other edges, and reserves it.
   */
  function placeLabel(points, index, avoid, w, h) {
    const overlaps = (a, b) => a.x < b.x + b.w + 4 && b.x < a.x + a.w + 4 && a.y < b.y + b.h + 2 && b.y < a.y + a.h + 2;
    const inside = (box, [x, y]) => x > box.x - 3 && x < box.x + box.w + 3 && y > box.y - 3 && y < box.y + box.h + 3;
    let best = null;
    for (const t of [0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74]) {
      const [x, y] = bezier(points, t);
      const box = { x: x - w / 2, y: y - h / 2, w, h };
      let cost = 100 * avoid.boxes.filter((other) => overlaps(box, other)).length;
      avoid.points.forEach((samples, i) => {
        if (i !== index) cost += samples.filter((p) => inside(box, p)).length;
      });
      if (!best || cost < best.cost) best = { box, cost };
      if (cost === 0) break;
    }
    avoid.boxes.push(best.box);
    return best.box;
  }

  function drawEdge(edge, points, place) {
    const [p0, p1, p2, p3] = points;
    const d = 'M' + p0 + ' C' + p1 + ' ' + p2 + ' ' + p3;
    const calls = num(edge.calls) || 0;
    const failed = num(edge.failed) || 0;
    const failurePercent = num(edge.failurePercent) ?? (calls ? (failed / calls) * 100 : 0);
    const line1 = plural(calls, 'call') + ' · ' + formatPercent(failurePercent) + ' failed';
    const line2 = 'avg ' + formatMs(edge.avgMs) + ' · p95 ' + formatMs(edge.p95Ms);
    const box = place(Math.max(line1.length, line2.length) * 6.1 + 12, 32);
    const cx = box.x + box.w / 2;
    return svg('g', { className: 'map-edge' + (failed > 0 ? ' has-failures' : ''), 'data-id': edge.id, tabindex: 0 },
      svg('title', { text: labelOf(edge.source) + ' → ' + labelOf(edge.target) }),
      svg('path', { className: 'map-edge-hit', d }),
      svg('path', { className: 'map-edge-line', d, 'marker-end': failed > 0 ? 'url(#arrow-failed)' : 'url(#arrow)',
        'stroke-width': (1.2 + Math.min(3, Math.log10(calls + 1))).toFixed(2) }),
      svg('rect', { className: 'map-edge-label-bg', x: box.x, y: box.y, width: box.w, height: box.h, rx: 4 }),
      svg('text', { className: 'map-edge-label', x: cx, y: box.y + 13, 'text-anchor': 'middle' },
        svg('tspan', { x: cx, text: line1 }), svg('tspan', { x: cx, dy: 13, text: line2 })));
  }

  // ------------------------------------------------------------------------------ failures view

  const failures = {
    els: {},

    mount(root) {
      this.els = { body: h('div', { className: 'failures' }) };
      root.append(h('div', { className: 'toolbar' }, h('h1', { text: 'Failures' }),
        h('span', { className: 'muted', text: 'All stored telemetry, most frequent first' })), this.els.body);
    },

    fetch() {
      return getJson('/api/failures?minutes=0');
    },

    render(data) {
      const groups = obj(data);
      const opsLink = (g) => '#/operations?' + new URLSearchParams({ name: toText(g.name),
        resultCode: toText(g.resultCode), failed: 'true' });
      fill(this.els.body,
        failureTable('failed-requests', 'Failed requests', list(groups.requests), [
          ['col-name', 'Name', (g) => h('a', { href: opsLink(g), title: 'Show these operations',
            text: toText(g.name) || '(unnamed)' })],
          ['col-result', 'Result', (g) => toText(g.resultCode) || '—'],
        ]),
        failureTable('failed-dependencies', 'Failed dependencies', list(groups.dependencies), [
          ['col-name', 'Name', (g) => toText(g.name) || '(unnamed)'],
          ['col-type', 'Type', (g) => toText(g.dependencyType) || '—'],
          ['col-target', 'Target', (g) => toText(g.target) || '—'],
          ['col-result', 'Result', (g) => toText(g.resultCode) || '—'],
        ]),
        // The exception type is the group's name, so its cell carries both classes.
        failureTable('exceptions', 'Exceptions', list(groups.exceptions), [
          ['col-type col-name', 'Type', (g) => toText(g.typeName) || '(unknown type)'],
          ['col-message', 'Message', (g) => toText(g.message) || '—'],
        ]));
    },

    renderError(error) {
      errorBox(this.els.body, 'Could not load failures:', error);
    },
  };

  function failureTable(id, title, groups, columns) {
    const head = columns.map(([cls, label]) => h('th', { className: cls, text: label }));
    const rows = groups.map(obj).map((g) => h('tr', { className: 'failure-group' },
      columns.map(([cls, , cell]) => h('td', { className: cls }, cell(g))),
      h('td', { className: 'col-count num', text: toText(num(g.count) ?? '—') }),
      h('td', { className: 'col-examples' }, list(g.examples).map((opId) =>
        h('a', { className: 'example-link', href: traceHref(opId), title: toText(opId), text: shortId(opId) })))));
    return h('section', { className: 'failure-section' },
      h('h2', {}, title, ' ', h('span', { className: 'count-pill', text: String(groups.length) })),
      h('table', { id, className: 'grid' },
        h('thead', {}, h('tr', {}, head, h('th', { className: 'col-count num', text: 'Count' }),
          h('th', { className: 'col-examples', text: 'Example traces' }))),
        h('tbody', {}, rows.length ? rows : h('tr', { className: 'none' },
          h('td', { colspan: columns.length + 2, className: 'muted', text: 'None' })))));
  }

  // ------------------------------------------------------------------------------ start

  const VIEWS = { operations, trace, map, failures };

  window.addEventListener('hashchange', navigate);
  navigate();
  pollStats();
})();
