"""The page's theme, style and script: how answers, sources and notices look, and the copy
buttons. Nothing here is loaded from outside the app."""

import gradio as gr

# Gradio's default theme, with the bold face of its bundled font instead of the semibold one,
# whose file holds only a few glyphs (bold text fell back to another font letter by letter).
THEME = gr.themes.Default(font=(gr.themes.LocalFont("Source Sans Pro", weights=(400, 700)),
                                "ui-sans-serif", "system-ui", "sans-serif"))

CSS = """
.nd-answer p { margin: 0 0 .5em; }
.nd-figures { margin: .25em 0 .5em 1.2em; padding: 0; }
.nd-figures li { margin: .15em 0; }
.nd-cite { text-decoration: none; font-weight: 700; }
.nd-sources { list-style: none; margin: .75em 0 0; padding: .5em 0 0;
  border-top: 1px solid var(--border-color-primary); }
.nd-source { margin: .4em 0; padding: .5em .7em; border-radius: 6px; scroll-margin: 12px;
  background: var(--background-fill-secondary); border: 2px solid transparent; }
.nd-source:target { border-color: var(--color-accent); }
.nd-source-head { font-size: .95em; line-height: 1.5; }
.nd-source-head strong, .nd-n { font-weight: 700; }
.nd-context { margin: .4em 0; padding: 0 0 0 .7em; font-size: .95em;
  border-left: 3px solid var(--border-color-primary); }
.nd-context mark { background: #fde68a; color: #1f2937; padding: 0 .1em; border-radius: 2px; }
.nd-copy { font-size: .85em; padding: .15em .7em; cursor: pointer; border-radius: 4px;
  border: 1px solid var(--border-color-primary); background: var(--background-fill-primary); }
.nd-notice { padding: .6em .8em; border-radius: 6px; border-left: 4px solid var(--color-accent);
  background: var(--background-fill-secondary); }
.nd-notice p { margin: .3em 0 0; }
.nd-refusal { border-left-color: #d97706; background: rgba(217, 119, 6, .12); }
.nd-error { border-left-color: #dc2626; background: rgba(220, 38, 38, .1); }
.nd-unsupported { border-left-color: #dc2626; background: rgba(220, 38, 38, .06); }
.nd-pending { font-style: italic; opacity: .7; }
.nd-report { white-space: pre-wrap; font-size: .9em; }
"""

# Copies the hidden reference next to a "Copy reference" button; the textarea fallback is for
# pages served over plain http to another machine, where navigator.clipboard is missing.
JS = """
() => {
  const copy = async (text) => {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    const area = document.createElement("textarea");
    area.value = text;
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    const copied = document.execCommand("copy");
    area.remove();
    if (!copied) throw new Error("copy refused");
  };
  document.addEventListener("click", async (event) => {
    const button = event.target.closest(".nd-copy");
    if (!button) return;
    const text = button.parentElement.querySelector(".nd-reference").textContent;
    try {
      await copy(text);
      button.textContent = "Copied";
    } catch (error) {
      button.textContent = "Copy failed";
    }
    setTimeout(() => { button.textContent = "Copy reference"; }, 1500);
  });
}
"""
