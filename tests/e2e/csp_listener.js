// Added to every page of a checked browser context before the page's own scripts run
// (Playwright's init script, which the page's CSP does not govern). Reports each Content
// Security Policy violation to the test through the binding tests/e2e/checks.py exposes.
document.addEventListener("securitypolicyviolation", (event) => {
  window.__storefrontCspViolation({
    page: document.location.href,
    directive: event.effectiveDirective,
    blocked: event.blockedURI,
    source: event.sourceFile,
    line: event.lineNumber,
    sample: event.sample,
  });
});
