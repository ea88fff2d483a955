// An email's HTML shown as the recipient's mail client would, inside a sandboxed frame: an empty
// sandbox attribute gives the document an opaque origin and no scripts, forms, pop-ups or
// top-level navigation, so nothing in the content can reach Crier's page or session.
export function EmailFrame({ html, title }: { html: string; title: string }) {
  return (
    <iframe
      title={title}
      sandbox=""
      srcDoc={html}
      referrerPolicy="no-referrer"
      style={{ width: '100%', height: 420, border: '1px solid var(--mantine-color-gray-4)', borderRadius: 4, background: 'white' }}
    />
  );
}
