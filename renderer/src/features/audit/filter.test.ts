import { describe, expect, it } from 'vitest';
import { AuditQuery } from '../../../../main/inventory/contract';
import { auditQueryFor, DEFAULT_AUDIT_FILTER, hasAuditFilter, LAB_ACTOR } from './filter';

describe('audit filter', () => {
  it('hides the lab set-up rows by default and sends nothing else', () => {
    expect(auditQueryFor(DEFAULT_AUDIT_FILTER)).toEqual({ excludeActor: [LAB_ACTOR] });
    expect(auditQueryFor({ ...DEFAULT_AUDIT_FILTER, hideLab: false })).toEqual({});
    expect(hasAuditFilter(DEFAULT_AUDIT_FILTER)).toBe(false);
  });

  it('sends actors and actions as lists, the appliance trimmed, local times as instants', () => {
    const q = auditQueryFor({
      actor: ' desktop:bob, cli:alice ,',
      action: 'appliance.status',
      appliance: ' LAB00001 ',
      since: '2026-12-04T10:00',
      until: '',
      hideLab: true,
    });
    expect(q).toEqual({
      actor: ['desktop:bob', 'cli:alice'],
      action: ['appliance.status'],
      appliance: 'LAB00001',
      since: new Date('2026-12-04T10:00').toISOString(),
      excludeActor: [LAB_ACTOR],
    });
    // What the form makes is what the engine accepts.
    expect(AuditQuery.safeParse(q).success).toBe(true);
  });

  it('shows the lab rows when the lab is the actor asked for', () => {
    expect(auditQueryFor({ ...DEFAULT_AUDIT_FILTER, actor: LAB_ACTOR })).toEqual({ actor: [LAB_ACTOR] });
  });
});
