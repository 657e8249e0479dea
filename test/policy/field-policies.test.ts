/** The field's own policies (../shared/scenarios): education (v0) and telemedicine (v1). */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { compile } from '../../src/policy/rego/index.js';
import { conformanceDir } from '../conformance/rego-runner.js';

const scenarios = path.join(path.dirname(conformanceDir()), 'scenarios');

function load(rel: string) {
  const file = path.join(scenarios, rel);
  return compile([{ path: file, source: fs.readFileSync(file, 'utf8') }]);
}

describe('field policies', () => {
  it('education: a student may join an active course with free capacity', () => {
    const p = load('education/education-policy.rego');
    const input = {
      action: 'join',
      user: { role: 'student' },
      course: { status: 'active', capacity: 2, students: ['a'] },
    };
    assert.equal(p.evalRef('data.education.allow', { input }), true);
    assert.equal(
      p.evalRef('data.education.allow', {
        input: { ...input, course: { ...input.course, students: ['a', 'b'] } },
      }),
      false,
    );
    assert.equal(
      p.evalRef('data.education.allow', { input: { ...input, user: { role: 'teacher' } } }),
      false,
    );
    assert.equal(p.evalRef('data.education.allow', { input: {} }), false);
    assert.equal(p.modules[0]?.regoVersion, 'v0');
  });

  it('telemedicine: calls need staff, consent and local data; transfers off site are denied', () => {
    const p = load('telemedicine/telemedicine-policy.rego');
    const call = {
      action: 'video_call',
      user: { role: 'authorized_medical_staff' },
      patient: { consent: true },
      data_stays_local: true,
    };
    assert.equal(p.evalRef('data.healthcare.telemedicine.allow', { input: call }), true);
    assert.equal(
      p.evalRef('data.healthcare.telemedicine.allow', { input: { ...call, patient: { consent: false } } }),
      false,
    );
    assert.equal(
      p.evalRef('data.healthcare.telemedicine.deny', {
        input: { action: 'data_transfer', destination: 'cloud' },
      }),
      true,
    );
    assert.equal(
      p.evalRef('data.healthcare.telemedicine.deny', {
        input: { action: 'data_transfer', destination: 'local' },
      }),
      undefined,
    );
    assert.equal(p.modules[0]?.regoVersion, 'v1');
  });
});
