// A small test runner: named tests, run in order, each failure printed
// with its message; ends with "<suite>: N passed, N failed" (the line
// tests/run-all.sh adds up) and exits non-zero on any failure.
import assert from 'node:assert/strict';

export { assert };

export function suite(name) {
  const tests = [];
  const only = process.env.TEST_ONLY;
  return {
    test(title, fn) { tests.push({ title, fn }); },
    async run({ before, after } = {}) {
      let passed = 0, failed = 0;
      let ctx;
      try {
        ctx = before ? await before() : undefined;
      } catch (e) {
        console.log(`not ok - ${name}: setup failed: ${e.stack || e}`);
        failed = tests.length || 1;
      }
      if (!failed) {
        for (const t of tests) {
          if (only && !t.title.includes(only)) continue;
          const t0 = Date.now();
          try {
            await t.fn(ctx);
            passed++;
            console.log(`ok - ${t.title} (${Date.now() - t0} ms)`);
          } catch (e) {
            failed++;
            console.log(`not ok - ${t.title}\n  ${String(e.stack || e).split('\n').slice(0, 8).join('\n  ')}`);
          }
        }
      }
      try {
        if (after) await after(ctx, failed);
      } catch (e) {
        failed++;
        console.log(`not ok - ${name}: teardown failed: ${e}`);
      }
      console.log(`${name}: ${passed} passed, ${failed} failed`);
      process.exitCode = failed ? 1 : 0;
    },
  };
}
