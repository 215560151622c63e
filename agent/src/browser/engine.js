// Flowbot's locator engine, evaluated in the page. Rust sends a parsed locator (a list of
// parts, each searched inside the matches of the one before) and what the action needs
// (visible, enabled, editable, not covered); this answers with one status per attempt and
// Rust retries until the timeout, as Playwright's auto-waiting does.
//
// It is plain ES2020 with no dependencies so it can be sent with every call: a navigation
// wipes anything installed in the page, and re-sending a few kilobytes over a local CDP socket
// is cheaper than tracking execution contexts.
({
  norm(text) {
    return (text || '').replace(/\s+/g, ' ').trim();
  },

  // Label comparisons ignore case and a trailing colon or asterisk ("Email *:").
  loose(text) {
    return this.norm(text).replace(/[\s:*]+$/, '').toLowerCase();
  },

  textMatches(candidate, wanted, exact) {
    if (exact) return this.norm(candidate) === wanted;
    return this.loose(candidate) === this.loose(wanted);
  },

  textContains(candidate, wanted) {
    return this.loose(candidate).includes(this.loose(wanted));
  },

  // Every element under `root`, including inside open shadow roots, in document order.
  all(root) {
    const out = [];
    const visit = (node) => {
      for (let el = node.firstElementChild; el; el = el.nextElementSibling) {
        out.push(el);
        if (el.shadowRoot) visit(el.shadowRoot);
        visit(el);
      }
    };
    visit(root);
    return out;
  },

  isControl(el) {
    const tag = el.localName;
    if (tag === 'input') return (el.getAttribute('type') || '').toLowerCase() !== 'hidden';
    if (tag === 'select' || tag === 'textarea') return true;
    if (el.isContentEditable && !(el.parentElement && el.parentElement.isContentEditable)) return true;
    const role = el.getAttribute('role');
    return ['textbox', 'combobox', 'checkbox', 'radio', 'switch', 'spinbutton', 'slider', 'searchbox', 'listbox'].includes(role);
  },

  // A label's own text, without the text of a control it wraps (a wrapped <select> would
  // otherwise add every option to the label).
  labelText(label) {
    let text = '';
    const visit = (node) => {
      for (let child = node.firstChild; child; child = child.nextSibling) {
        if (child.nodeType === 3) text += child.textContent;
        else if (child.nodeType === 1 && !this.isControl(child) && !['script', 'style'].includes(child.localName)) visit(child);
        else if (child.nodeType === 1 && child.localName === 'input' && ['button', 'submit', 'reset'].includes(child.type)) text += ' ' + child.value;
      }
    };
    visit(label);
    return this.norm(text);
  },

  byId(el, id) {
    const root = el.getRootNode();
    return (root.getElementById ? root.getElementById(id) : null) || el.ownerDocument.getElementById(id);
  },

  labelledByText(el) {
    const ids = el.getAttribute('aria-labelledby');
    if (!ids) return null;
    return this.norm(ids.split(/\s+/).map((id) => { const target = this.byId(el, id); return target ? target.textContent : ''; }).join(' '));
  },

  // The names a control is labelled by, strongest first: <label> (for= or wrapping),
  // aria-labelledby, aria-label, placeholder.
  labelsOf(el) {
    const names = [];
    if (el.labels) for (const label of el.labels) names.push(this.labelText(label));
    const labelledBy = this.labelledByText(el);
    if (labelledBy) names.push(labelledBy);
    const aria = el.getAttribute('aria-label');
    if (aria) names.push(aria);
    const placeholder = el.getAttribute('placeholder');
    if (placeholder) names.push(placeholder);
    return names;
  },

  // The nearest text before `el` in document order, if no other control sits between them:
  // the "Email  [_____]" layout with no markup tying the two together.
  precedingText(el, root) {
    const doc = el.ownerDocument;
    const walker = doc.createTreeWalker(root.nodeType === 9 ? root : root, NodeFilter.SHOW_ALL);
    walker.currentNode = el;
    let node = walker.previousNode();
    while (node) {
      if (node.nodeType === 1 && node !== el && !node.contains(el)) {
        if (this.isControl(node)) return null;
        if (['script', 'style', 'option'].includes(node.localName)) { node = walker.previousNode(); continue; }
      }
      if (node.nodeType === 3 && this.norm(node.textContent) && !(node.parentElement && ['script', 'style', 'option'].includes(node.parentElement.localName))) {
        return this.norm(node.textContent);
      }
      node = walker.previousNode();
    }
    return null;
  },

  byLabel(root, wanted, exact) {
    const controls = this.all(root).filter((el) => this.isControl(el));
    const pass = (test) => controls.filter((el) => this.labelsOf(el).some((name) => test(name)));
    let found = pass((name) => this.textMatches(name, wanted, exact));
    if (!found.length && !exact) found = pass((name) => this.textContains(name, wanted));
    if (found.length) return found;
    const before = (test) => controls.filter((el) => { const text = this.precedingText(el, root); return text !== null && test(text); });
    found = before((text) => this.textMatches(text, wanted, exact));
    if (!found.length && !exact) found = before((text) => this.textContains(text, wanted));
    return found;
  },

  ownText(el) {
    if (el.localName === 'input' && ['button', 'submit', 'reset'].includes(el.type)) return el.value;
    return el.textContent;
  },

  // The innermost elements whose text matches: "Save" finds the button, not the form around it.
  byText(root, wanted, exact) {
    const skip = ['script', 'style', 'head', 'title', 'template', 'noscript'];
    const test = (el) => !skip.includes(el.localName) && (exact ? this.norm(this.ownText(el)) === wanted : this.loose(this.ownText(el)).includes(this.loose(wanted)));
    const matching = this.all(root).filter(test);
    const set = new Set(matching);
    return matching.filter((el) => {
      const kids = [...el.children, ...(el.shadowRoot ? el.shadowRoot.children : [])];
      return !kids.some((kid) => set.has(kid) || this.all(kid).some((inner) => set.has(inner)));
    });
  },

  roleOf(el) {
    const explicit = el.getAttribute('role');
    if (explicit) return explicit.split(/\s+/)[0];
    const tag = el.localName;
    const type = (el.getAttribute('type') || 'text').toLowerCase();
    if (tag === 'input') {
      if (['button', 'submit', 'reset', 'image'].includes(type)) return 'button';
      if (type === 'checkbox' || type === 'radio') return type;
      if (type === 'range') return 'slider';
      if (type === 'number') return 'spinbutton';
      if (type === 'search') return 'searchbox';
      if (['hidden', 'file', 'password', 'color', 'date', 'datetime-local', 'month', 'time', 'week'].includes(type)) return null;
      return 'textbox';
    }
    const roles = {
      button: 'button', textarea: 'textbox', option: 'option', table: 'table', tr: 'row',
      td: 'cell', th: 'columnheader', ul: 'list', ol: 'list', li: 'listitem', nav: 'navigation',
      main: 'main', form: 'form', img: 'img', dialog: 'dialog', fieldset: 'group',
      h1: 'heading', h2: 'heading', h3: 'heading', h4: 'heading', h5: 'heading', h6: 'heading',
    };
    if (tag === 'a' || tag === 'area') return el.hasAttribute('href') ? 'link' : null;
    if (tag === 'select') return el.multiple || el.size > 1 ? 'listbox' : 'combobox';
    return roles[tag] || null;
  },

  accessibleName(el, role) {
    const labelledBy = this.labelledByText(el);
    if (labelledBy) return labelledBy;
    const aria = el.getAttribute('aria-label');
    if (aria && this.norm(aria)) return this.norm(aria);
    if (el.labels && el.labels.length) return this.norm([...el.labels].map((label) => this.labelText(label)).join(' '));
    if (el.localName === 'input' && ['button', 'submit', 'reset'].includes(el.type)) return this.norm(el.value || (el.type === 'reset' ? 'Reset' : 'Submit'));
    if (el.localName === 'img' || (el.localName === 'input' && el.type === 'image')) return this.norm(el.getAttribute('alt'));
    const fromContent = ['button', 'link', 'heading', 'cell', 'columnheader', 'option', 'listitem', 'checkbox', 'radio', 'tab', 'menuitem', 'row', 'switch'];
    if (fromContent.includes(role)) return this.norm(el.textContent);
    return this.norm(el.getAttribute('title') || el.getAttribute('placeholder') || '');
  },

  byRole(root, role, name, exact) {
    const withRole = this.all(root).filter((el) => this.roleOf(el) === role);
    if (name === null || name === undefined) return withRole;
    const named = withRole.map((el) => [el, this.accessibleName(el, role)]);
    if (exact) return named.filter(([, actual]) => actual === name).map(([el]) => el);
    const equal = named.filter(([, actual]) => this.loose(actual) === this.loose(name));
    if (equal.length) return equal.map(([el]) => el);
    return named.filter(([, actual]) => this.textContains(actual, name)).map(([el]) => el);
  },

  byCss(root, css) {
    return this.all(root).filter((el) => el.matches(css));
  },

  byXpath(root, xpath) {
    const doc = root.nodeType === 9 ? root : root.ownerDocument;
    const result = doc.evaluate(xpath, root, null, XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null);
    const out = [];
    for (let i = 0; i < result.snapshotLength; i++) {
      const node = result.snapshotItem(i);
      if (node.nodeType === 1) out.push(node);
    }
    return out;
  },

  // Applies the locator's parts in turn; each part searches inside every match so far.
  resolve(parts) {
    let current = [document];
    for (const part of parts) {
      if (part.kind === 'nth') {
        const index = part.index < 0 ? current.length + part.index : part.index;
        current = index >= 0 && index < current.length ? [current[index]] : [];
        continue;
      }
      if (part.kind === 'frame') {
        const frames = [];
        for (const root of current) {
          for (const el of this.byCss(root, part.css)) {
            if (!['iframe', 'frame'].includes(el.localName)) continue;
            // Only same-origin frames are reachable from here; a cross-origin one is null.
            if (el.contentDocument && el.contentDocument.documentElement) frames.push(el.contentDocument);
            else this.crossOrigin = part.css;
          }
        }
        current = frames;
        continue;
      }
      const next = [];
      for (const root of current) {
        let found;
        if (part.kind === 'css') found = this.byCss(root, part.value);
        else if (part.kind === 'xpath') found = this.byXpath(root, part.value);
        else if (part.kind === 'text') found = this.byText(root, part.value, part.exact);
        else if (part.kind === 'label') found = this.byLabel(root, part.value, part.exact);
        else if (part.kind === 'role') found = this.byRole(root, part.role, part.name, part.exact);
        else if (part.kind === 'placeholder') found = this.all(root).filter((el) => this.textMatches(el.getAttribute('placeholder') || '', part.value, part.exact));
        else throw new Error('unknown locator part ' + part.kind);
        for (const el of found) if (!next.includes(el)) next.push(el);
      }
      current = next;
    }
    return current.filter((node) => node.nodeType === 1);
  },

  describe(el) {
    const html = el.outerHTML || '';
    const open = html.slice(0, html.indexOf('>') + 1 || 120);
    return open.length > 160 ? open.slice(0, 160) + '…' : open;
  },

  visible(el) {
    const rect = el.getBoundingClientRect();
    if (rect.width <= 0 || rect.height <= 0) return false;
    return el.checkVisibility ? el.checkVisibility({ visibilityProperty: true }) : getComputedStyle(el).visibility !== 'hidden';
  },

  enabled(el) {
    if (el.matches(':disabled')) return false;
    return !el.closest('[aria-disabled="true"]');
  },

  editable(el) {
    if (el.isContentEditable) return true;
    if (!['input', 'textarea', 'select'].includes(el.localName)) return false;
    return !el.readOnly;
  },

  // The element's centre in the top-level viewport, and what a click there would hit at
  // every frame level. Scrolls it into view first.
  hitTest(el) {
    el.scrollIntoView({ block: 'center', inline: 'center', behavior: 'instant' });
    const rect = el.getBoundingClientRect();
    let x = rect.left + rect.width / 2;
    let y = rect.top + rect.height / 2;
    let target = el;
    let covered = null;
    for (;;) {
      const root = target.getRootNode();
      const hit = root.elementFromPoint ? root.elementFromPoint(x, y) : target.ownerDocument.elementFromPoint(x, y);
      const reaches = hit && (hit === target || target.contains(hit) || (hit.localName === 'label' && hit.control === target));
      if (!reaches && covered === null) covered = hit ? this.describe(hit) : 'nothing (the point is outside the page)';
      const frame = target.ownerDocument.defaultView.frameElement;
      if (!frame) break;
      const frameRect = frame.getBoundingClientRect();
      x += frameRect.left + frame.clientLeft;
      y += frameRect.top + frame.clientTop;
      target = frame;
    }
    return { x, y, covered };
  },

  // One attempt: find the element and check it is ready for `need`.
  // need: { state: 'attached'|'visible'|'hidden'|'detached', enabled, editable, hit, strict }
  check(parts, need) {
    let found;
    this.crossOrigin = null;
    try {
      found = this.resolve(parts);
    } catch (error) {
      return { status: 'invalid', message: String(error && error.message || error) };
    }
    const count = found.length;
    if (need.state === 'detached') return count === 0 ? { status: 'ok', count } : { status: 'present', count };
    if (need.state === 'hidden') return found.every((el) => !this.visible(el)) ? { status: 'ok', count } : { status: 'visible', count };
    if (count === 0) return { status: 'none', count, crossOrigin: this.crossOrigin };
    if (count > 1 && need.strict) return { status: 'many', count, found: found.slice(0, 3).map((el) => this.describe(el)) };
    const el = found[0];
    const described = this.describe(el);
    if (need.state === 'visible' && !this.visible(el)) return { status: 'hidden', count, found: [described] };
    if (need.enabled && !this.enabled(el)) return { status: 'disabled', count, found: [described] };
    if (need.editable && !this.editable(el)) return { status: 'readonly', count, found: [described] };
    globalThis.__flowbotTarget = el;
    if (!need.hit) return { status: 'ok', count, found: [described] };
    const { x, y, covered } = this.hitTest(el);
    if (covered) return { status: 'covered', count, found: [described], by: covered };
    return { status: 'ok', count, found: [described], x, y };
  },

  // All matches' texts, for read steps that take every match.
  texts(parts) {
    return this.resolve(parts).map((el) => this.norm(el.innerText !== undefined ? el.innerText : el.textContent));
  },
})
