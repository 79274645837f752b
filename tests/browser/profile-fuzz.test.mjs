// The profile importer (www/js/profile.js) under fast-check: a learner's exported file, or
// anything claiming to be one, read back by the planner's import. Whatever the text, import
// returns a clean profile or throws a plain Error naming the problem (never a TypeError or
// RangeError from inside), and a profile it returns round-trips through export exactly.
// `make test` runs a bounded, seeded slice; `make fuzz` runs it for FUZZ_SECONDS
// (WAYFINDER_FUZZ_SECONDS). A failure prints the seed and the shrunk input.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { EXPORT_FORMAT, EXPORT_VERSION, LIMITS, checkProfile, exportFile, importFile } from '../../www/js/profile.js';

const seed = Number(process.env.WAYFINDER_FUZZ_SEED ?? 42);
const seconds = Number(process.env.WAYFINDER_FUZZ_SECONDS ?? 0);
const budget = seconds > 0
  ? { numRuns: Number.MAX_SAFE_INTEGER, interruptAfterTimeLimit: seconds * 1000, markInterruptAsFailure: false }
  : { numRuns: 3000 };

/** What a learner could have typed or a file could hold, keys and values alike. */
const text = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.constantFrom('', ' ', '__proto__', 'constructor', 'toString', 'CS 101', 'x'.repeat(LIMITS.name + 1)));
const number = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(0, 1, 5, -0, 1e308, Number.MIN_VALUE));
const anyValue = fc.oneof(number, text, fc.boolean(), fc.constant(null), fc.array(fc.anything(), { maxLength: 3 }), fc.dictionary(text, fc.anything(), { maxKeys: 3 }));
/** Mostly the right type (so the deeper checks run), sometimes anything at all. */
const mostly = (good) => fc.oneof({ arbitrary: good, weight: 30 }, { arbitrary: anyValue, weight: 1 });
const level = (min, max) => fc.oneof({ arbitrary: fc.double({ min, max, noNaN: true }), weight: 40 }, { arbitrary: number, weight: 1 });
const profile = fc.record(
  {
    completed: mostly(fc.array(text, { maxLength: 20 })),
    ratings: mostly(fc.dictionary(text, level(1, 5), { maxKeys: 10 })),
    skills: mostly(fc.dictionary(text, level(0, 1), { maxKeys: 10 })),
    goalText: mostly(text),
    targetSkills: mostly(fc.array(text, { maxLength: 10 })),
    creditsPerTerm: mostly(fc.oneof(fc.integer({ min: 1, max: 60 }), fc.constant(null), number)),
  },
  { requiredKeys: [] },
);
const file = fc.oneof(
  { arbitrary: profile.map((p) => ({ format: EXPORT_FORMAT, version: EXPORT_VERSION, profile: p })), weight: 4 },
  profile.map((p) => ({ format: EXPORT_FORMAT, version: EXPORT_VERSION, profile: p })),
  fc.record({ format: fc.oneof(fc.constant(EXPORT_FORMAT), anyValue), version: fc.oneof(fc.constant(EXPORT_VERSION), anyValue), profile: fc.anything() }),
  fc.anything(),
);
/** A file's text, sometimes cut, spliced or with a character changed, as a damaged download. */
const fileText = fc.oneof(
  { arbitrary: file.map((f) => JSON.stringify(f) ?? 'undefined'), weight: 4 },
  fc.tuple(file, fc.nat(), fc.nat(), fc.string({ maxLength: 4 })).map(([f, a, b, insert]) => {
    const s = JSON.stringify(f) ?? '';
    const [from, to] = [a % (s.length + 1), b % (s.length + 1)].sort((x, y) => x - y);
    return s.slice(0, from) + insert + s.slice(to);
  }),
  fc.string(),
);

function importOrError(t) {
  try {
    return { profile: importFile(t) };
  } catch (error) {
    return { error };
  }
}

test('the profile importer returns a clean profile or a plain Error, and what it returns round-trips', () => {
  let imported = 0;
  let runs = 0;
  fc.assert(
    fc.property(fileText, (t) => {
      runs += 1;
      const { profile: p, error } = importOrError(t);
      if (error) {
        assert.equal(error.constructor, Error, `not a plain Error: ${error}`);
        assert.ok(error.message.length > 0);
        return;
      }
      assert.deepEqual(checkProfile(p), p, 'an imported profile is already clean');
      const again = importFile(JSON.stringify(exportFile(p)));
      assert.deepEqual(again, p, 'export then import gives the same profile');
      assert.ok(p.completed.length <= LIMITS.entries && p.targetSkills.length <= LIMITS.entries);
      imported += 1;
    }),
    { seed, ...budget },
  );
  // The generators reach the importer's success path too, not only its first checks.
  assert.ok(imported > runs / 20, `only ${imported} of ${runs} inputs imported`);
  console.log(`profile importer: ${runs} inputs (seed ${seed}), ${imported} imported`);
});

// Found by this fuzz (seed 42, run 15,522): a version that is an object whose toString is not
// a function made the error message itself throw a TypeError.
test('a version of any JSON type is refused with a plain Error naming it', () => {
  for (const version of [{ toString: {} }, [1], null, '1', 2]) {
    const text = JSON.stringify({ format: 'wayfinder-profile', version, profile: {} });
    const { error } = importOrError(text);
    assert.equal(error?.constructor, Error, `${JSON.stringify(version)}: ${error}`);
    assert.match(error.message, /^profile version .* is not supported/);
  }
});

test('a file past the size limit is refused before it is parsed', () => {
  const big = JSON.stringify({ format: EXPORT_FORMAT, version: EXPORT_VERSION, profile: { goalText: 'x'.repeat(LIMITS.importBytes) } });
  assert.throws(() => importFile(big), /larger than/);
});
