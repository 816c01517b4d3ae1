import { describe, expect, it } from 'vitest';
import { leavesOnEscapeTab } from './keys';

const key = (key: string, mods: Partial<{ ctrlKey: boolean; altKey: boolean; metaKey: boolean }> = {}, type = 'keydown') => ({ type, key, ctrlKey: false, altKey: false, metaKey: false, ...mods });

describe('leaving the terminal from the keyboard', () => {
  it('keeps Tab for the shell', () => {
    const leaves = leavesOnEscapeTab();
    expect(leaves(key('Tab'))).toBe(false);
    expect(leaves(key('a'))).toBe(false);
    expect(leaves(key('Tab'))).toBe(false);
  });

  it('lets Escape then Tab leave, also with Shift held for Shift+Tab, once', () => {
    const leaves = leavesOnEscapeTab();
    expect(leaves(key('Escape'))).toBe(false); // the Escape is the shell's too
    expect(leaves(key('Tab'))).toBe(true);
    expect(leaves(key('Tab'))).toBe(false); // back in: Tab is the shell's again
    leaves(key('Escape'));
    expect(leaves(key('Shift'))).toBe(false);
    expect(leaves(key('Tab'))).toBe(true);
  });

  it('is disarmed by any other key, and ignores key-ups and Ctrl+Tab', () => {
    const leaves = leavesOnEscapeTab();
    leaves(key('Escape'));
    leaves(key('x'));
    expect(leaves(key('Tab'))).toBe(false);
    leaves(key('Escape'));
    expect(leaves(key('Escape', {}, 'keyup'))).toBe(false);
    expect(leaves(key('Tab', { ctrlKey: true }))).toBe(false);
  });
});
