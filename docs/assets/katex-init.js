// Render the math that pymdownx.arithmatex marks, on every page load (instant navigation included).
// KaTeX is served from docs/assets/katex/, so math works offline.
document$.subscribe(({ body }) => {
  renderMathInElement(body, {
    delimiters: [
      { left: "$$", right: "$$", display: true },
      { left: "$", right: "$", display: false },
      { left: "\\(", right: "\\)", display: false },
      { left: "\\[", right: "\\]", display: true },
    ],
  });
});
