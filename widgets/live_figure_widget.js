// The page side of widgets/live_figure_widget.py: plotly's FigureWidget code, imported once per page
// and bound to each figure late, with the kernel's edits that arrived meanwhile replayed to it.
//
// Why: anywidget gives a widget model 2 s to import and initialize its module; after that, every
// message the kernel sends the model is dropped, for good (AnyModel._handle_comm_msg awaits a
// Runtime.ready that a 2 s timeout has rejected). plotly's module is ~5 MB, and each FigureWidget
// imported its own copy: on a loaded machine some figures missed the deadline, and their page
// figure stayed empty while the kernel's copy drew on (the JupyterLab browser test's stall).
// This module is small, so anywidget's model is ready at once; the ~5 MB import (the trait
// `_plotly_esm`) happens outside that deadline and only once per page.

const IMPORTS = (globalThis.__stabilityLabPlotlyImports ??= new Map());  // module source → its import

function importOnce(source) {
  if (!IMPORTS.has(source)) {
    const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
    IMPORTS.set(source, import(url).finally(() => URL.revokeObjectURL(url)));
  }
  return IMPORTS.get(source);
}

// anywidget calls this once per widget model (as it does plotly's own default export), so the state
// below belongs to one figure.
export default () => {
  let bound;  // resolves to plotly's {initialize, render} once bound to this figure's model

  return {
    initialize({ model, signal, experimental }) {
      // Until plotly's handlers are bound, keep each kernel edit (the value of a `_py2js_*` trait at
      // its change: the kernel sets the trait, then resets it to null).
      const early = [];
      const keepers = model.get("_late_traits").map((name) => [
        `change:${name}`, () => early.push([name, model.get(name)])]);
      keepers.forEach(([event, keeper]) => model.on(event, keeper));

      bound = importOnce(model.get("_plotly_esm")).then(async (module) => {
        const plotly = typeof module.default === "function" ? await module.default() : module.default;
        const replaying = new Map();  // trait → the kept value plotly's handlers read during the replay
        const handlers = new Map();   // event → plotly's handlers, for the replay
        const proxy = {   // what plotly's model reads and listens to
          get: (name) => (replaying.has(name) ? replaying.get(name) : model.get(name)),
          set: (...args) => model.set(...args),
          save_changes: () => model.save_changes(),
          send: (...args) => model.send(...args),
          off: (...args) => model.off(...args),
          on: (event, handler, ...rest) => {
            handlers.set(event, [...(handlers.get(event) ?? []), handler]);
            model.on(event, handler, ...rest);
          },
        };
        // plotly's initialize registers its handlers synchronously: the switch from keeping to
        // handling happens within this one task, so no edit is kept and also handled, or missed.
        const initialized = plotly.initialize?.({ model: proxy, signal, experimental });
        keepers.forEach(([event, keeper]) => model.off(event, keeper));
        for (const [name, value] of early) {
          replaying.set(name, value);
          (handlers.get(`change:${name}`) ?? []).forEach((handler) => handler());
          replaying.delete(name);
        }
        handlers.clear();
        proxy.on = (...args) => model.on(...args);
        await initialized;
        return plotly;
      });
      bound.catch((error) => console.error("[stability-lab] plotly's figure code did not load:", error));
    },

    async render({ model, el, signal, host, experimental }) {
      const plotly = await bound;
      return plotly.render?.({ model, el, signal, host, experimental });
    },
  };
};
