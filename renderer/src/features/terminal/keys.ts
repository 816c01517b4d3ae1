/**
 * The terminal's way out for a keyboard user: xterm.js keeps Tab (it goes to the shell), so Escape
 * then Tab (or Shift+Tab) leaves the terminal for the page. The Escape still reaches the shell.
 */
const MODIFIERS = new Set(['Shift', 'Control', 'Alt', 'Meta']);

/**
 * Escape arms it, any other key but a modifier disarms it; a Tab while armed is not the shell's:
 * `keydown` answers false so xterm leaves the key alone and the browser moves the focus.
 */
export function leavesOnEscapeTab(): (e: Pick<KeyboardEvent, 'type' | 'key' | 'ctrlKey' | 'altKey' | 'metaKey'>) => boolean {
  let armed = false;
  return (e) => {
    if (e.type !== 'keydown' || MODIFIERS.has(e.key)) return false;
    if (e.key === 'Tab' && armed && !e.ctrlKey && !e.altKey && !e.metaKey) {
      armed = false;
      return true;
    }
    armed = e.key === 'Escape';
    return false;
  };
}
