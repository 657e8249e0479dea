import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EdgewiseError } from '../../src/api/errors.js';
import type { QuantityFormat } from '../../src/api/quantity.js';
import { formatBytes, parseQuantity, Quantity, tryParseQuantity } from '../../src/api/quantity.js';

const MAX_INT64 = (1n << 63n) - 1n;

// [input, mantissa, exponent, format]: value = mantissa × 10^exponent. Taken from
// apimachinery's TestQuantityParse table.
const PARSE_CASES: ReadonlyArray<readonly [string, bigint, number, QuantityFormat]> = [
  ['0', 0n, 0, 'DecimalSI'],
  ['0n', 0n, 0, 'DecimalSI'],
  ['0u', 0n, 0, 'DecimalSI'],
  ['0m', 0n, 0, 'DecimalSI'],
  ['0Ki', 0n, 0, 'BinarySI'],
  ['0k', 0n, 0, 'DecimalSI'],
  ['0Mi', 0n, 0, 'BinarySI'],
  ['0M', 0n, 0, 'DecimalSI'],
  ['0Gi', 0n, 0, 'BinarySI'],
  ['0G', 0n, 0, 'DecimalSI'],
  ['0Ti', 0n, 0, 'BinarySI'],
  ['0T', 0n, 0, 'DecimalSI'],
  ['1', 1n, 0, 'DecimalSI'],
  ['1Ki', 1024n, 0, 'BinarySI'],
  ['8Ki', 8n * 1024n, 0, 'BinarySI'],
  ['7Mi', 7n * 1024n ** 2n, 0, 'BinarySI'],
  ['6Gi', 6n * 1024n ** 3n, 0, 'BinarySI'],
  ['5Ti', 5n * 1024n ** 4n, 0, 'BinarySI'],
  ['4Pi', 4n * 1024n ** 5n, 0, 'BinarySI'],
  ['3Ei', 3n * 1024n ** 6n, 0, 'BinarySI'],
  ['10Ti', 10n * 1024n ** 4n, 0, 'BinarySI'],
  ['100Ti', 100n * 1024n ** 4n, 0, 'BinarySI'],
  ['5n', 5n, -9, 'DecimalSI'],
  ['4u', 4n, -6, 'DecimalSI'],
  ['3m', 3n, -3, 'DecimalSI'],
  ['9', 9n, 0, 'DecimalSI'],
  ['8k', 8n, 3, 'DecimalSI'],
  ['50k', 5n, 4, 'DecimalSI'],
  ['7M', 7n, 6, 'DecimalSI'],
  ['6G', 6n, 9, 'DecimalSI'],
  ['5T', 5n, 12, 'DecimalSI'],
  ['40T', 4n, 13, 'DecimalSI'],
  ['300T', 3n, 14, 'DecimalSI'],
  ['2P', 2n, 15, 'DecimalSI'],
  ['1E', 1n, 18, 'DecimalSI'],
  ['1E-3', 1n, -3, 'DecimalExponent'],
  ['1e3', 1n, 3, 'DecimalExponent'],
  ['1E6', 1n, 6, 'DecimalExponent'],
  ['1e9', 1n, 9, 'DecimalExponent'],
  ['1E12', 1n, 12, 'DecimalExponent'],
  ['1e15', 1n, 15, 'DecimalExponent'],
  ['1E18', 1n, 18, 'DecimalExponent'],
  ['1e14', 1n, 14, 'DecimalExponent'],
  ['1e13', 1n, 13, 'DecimalExponent'],
  ['100.035k', 100035n, 0, 'DecimalSI'],
  ['0.001', 1n, -3, 'DecimalSI'],
  ['0.0005k', 5n, -1, 'DecimalSI'],
  ['0.005', 5n, -3, 'DecimalSI'],
  ['0.05', 5n, -2, 'DecimalSI'],
  ['0.5', 5n, -1, 'DecimalSI'],
  ['0.00050k', 5n, -1, 'DecimalSI'],
  ['0.00500', 5n, -3, 'DecimalSI'],
  ['0.05000', 5n, -2, 'DecimalSI'],
  ['0.50000', 5n, -1, 'DecimalSI'],
  ['0.5e0', 5n, -1, 'DecimalExponent'],
  ['0.5e-1', 5n, -2, 'DecimalExponent'],
  ['0.5e-2', 5n, -3, 'DecimalExponent'],
  ['10.035M', 10035n, 3, 'DecimalSI'],
  ['1.2e3', 12n, 2, 'DecimalExponent'],
  ['1.3E+6', 13n, 5, 'DecimalExponent'],
  ['1.40e9', 14n, 8, 'DecimalExponent'],
  ['1.53E12', 153n, 10, 'DecimalExponent'],
  ['1.6e15', 16n, 14, 'DecimalExponent'],
  ['1.7E18', 17n, 17, 'DecimalExponent'],
  ['9.01', 901n, -2, 'DecimalSI'],
  ['8.1k', 81n, 2, 'DecimalSI'],
  ['7.123456M', 7123456n, 0, 'DecimalSI'],
  ['6.987654321G', 6987654321n, 0, 'DecimalSI'],
  ['5.444T', 5444n, 9, 'DecimalSI'],
  ['40.1T', 401n, 11, 'DecimalSI'],
  ['300.2T', 3002n, 11, 'DecimalSI'],
  ['2.5P', 25n, 14, 'DecimalSI'],
  ['1.01E', 101n, 16, 'DecimalSI'],
  // Things that saturate or round up to the nano scale.
  ['3.001n', 4n, -9, 'DecimalSI'],
  ['1.1E-9', 2n, -9, 'DecimalExponent'],
  ['0.0000000001', 1n, -9, 'DecimalSI'],
  ['0.0000000005', 1n, -9, 'DecimalSI'],
  ['0.00000000050', 1n, -9, 'DecimalSI'],
  ['0.5e-9', 1n, -9, 'DecimalExponent'],
  ['0.9n', 1n, -9, 'DecimalSI'],
  ['0.00000012345', 124n, -9, 'DecimalSI'],
  ['0.00000012354', 124n, -9, 'DecimalSI'],
  ['9Ei', MAX_INT64, 0, 'BinarySI'],
  ['9223372036854775807Ki', MAX_INT64, 0, 'BinarySI'],
  ['12E', 12n, 18, 'DecimalSI'],
  // Fractional binary quantities.
  ['100.035Ki', 10243584n, -2, 'BinarySI'],
  ['0.5Mi', 524288n, 0, 'BinarySI'],
  ['0.05Gi', 536870912n, -1, 'BinarySI'],
  ['0.025Ti', 274877906944n, -1, 'BinarySI'],
  // "Things written by trolls" in apimachinery's words: still valid.
  ['0.000000000001Ki', 2n, -9, 'DecimalSI'],
  ['.001', 1n, -3, 'DecimalSI'],
  ['.0001k', 100n, -3, 'DecimalSI'],
  ['1.', 1n, 0, 'DecimalSI'],
  ['1.G', 1n, 9, 'DecimalSI'],
];

describe('parseQuantity: apimachinery parse table', () => {
  for (const [input, mantissa, exponent, format] of PARSE_CASES) {
    it(`parses ${input}`, () => {
      const expected = Quantity.fromScaled(mantissa, exponent);
      const got = parseQuantity(input);
      assert.equal(got.cmp(expected), 0, `${input} = ${got.toString()}, want ${expected.toString()}`);
      assert.equal(got.format, format);

      const negative = parseQuantity(`-${input}`);
      assert.equal(negative.cmp(expected.neg()), 0, `-${input}`);
      assert.equal(negative.format, format);

      const positive = parseQuantity(`+${input}`);
      assert.equal(positive.cmp(expected), 0, `+${input}`);
      assert.equal(positive.format, format);
    });
  }
});

describe('parseQuantity: invalid input', () => {
  const invalid = [
    // apimachinery's own invalid table
    '1.1.M',
    '1+1.0M',
    '0.1mi',
    '0.1am',
    'aoeu',
    '.5i',
    '1i',
    '-3.01i',
    '-3.01e-',
    '1e4294967297',
    ' 1',
    '1 ',
    '',
    // suffixes are case-sensitive
    '1K',
    '1gi',
    // malformed exponents and suffix runs
    '1e',
    '1E+',
    '1Mi5',
    '1ee3',
    '1e3.5',
    'lots',
    '1.5.5',
    '10 Mi',
    // Deliberate difference: apimachinery reads a bare suffix or sign as 0.
    'Mi',
    'k',
    '.',
    '-',
    '+',
    'e3',
    // Edgewise bounds: absurdly large values and inputs.
    '1e1001',
    `1${'0'.repeat(300)}`,
  ];
  for (const input of invalid) {
    it(`rejects ${JSON.stringify(input)}`, () => {
      assert.equal(tryParseQuantity(input), undefined);
      assert.throws(
        () => parseQuantity(input),
        (err: unknown) =>
          EdgewiseError.isCode(err, 'EW_INVALID') && err.message.startsWith('invalid quantity "'),
      );
    });
  }

  it('names the value in the message', () => {
    assert.throws(() => parseQuantity('lots'), { message: 'invalid quantity "lots"' });
    assert.throws(() => parseQuantity('10 Mi'), { message: 'invalid quantity "10 Mi"' });
  });

  it('shortens very long values in the message', () => {
    const err = captureError(() => parseQuantity('x'.repeat(5000)));
    assert.ok(err.message.length < 100, err.message);
  });

  it('accepts exponents up to the int32 range and rounds tiny values up to 1n', () => {
    const tiny = parseQuantity('1e-2147483647');
    assert.equal(tiny.toString(), '1e-9', 'keeps the exponent format it was written in');
    assert.ok(tiny.equals(parseQuantity('1n')));
    assert.equal(tryParseQuantity('1e-2147483648'), undefined);
    assert.equal(parseQuantity('0e2147483647').isZero(), true);
  });

  it('returns undefined for non-string, non-number input', () => {
    assert.equal(tryParseQuantity(null), undefined);
    assert.equal(tryParseQuantity({}), undefined);
    assert.equal(tryParseQuantity(true), undefined);
  });
});

describe('parseQuantity: JSON numbers', () => {
  const cases: ReadonlyArray<readonly [number, string]> = [
    [1, '1'],
    [0.5, '500m'],
    [-1, '-1'],
    [0.1, '100m'],
    [2.5, '2500m'],
    [1e21, '1e21'],
    // String(1e-7) is "1e-7", so the value keeps exponent notation, as it would in Go.
    [1e-7, '100e-9'],
    [-0, '0'],
    [1073741824, '1073741824'],
  ];
  for (const [input, canonical] of cases) {
    it(`accepts ${input}`, () => assert.equal(parseQuantity(input).toString(), canonical));
  }

  it('rejects non-finite numbers', () => {
    assert.throws(() => parseQuantity(Number.NaN), { message: 'invalid quantity "NaN"' });
    assert.throws(() => parseQuantity(Number.POSITIVE_INFINITY), /invalid quantity/);
  });
});

describe('Quantity.toString: canonical form', () => {
  // [input, canonical]: apimachinery's TestQuantityParseEmit and the alternates of TestQuantityString.
  const cases: ReadonlyArray<readonly [string, string]> = [
    ['1Ki', '1Ki'],
    ['1Mi', '1Mi'],
    ['1Gi', '1Gi'],
    ['1024Mi', '1Gi'],
    ['1000M', '1G'],
    ['.001Ki', '1024m'],
    ['.000001Ki', '1024u'],
    ['.000000001Ki', '1024n'],
    ['.000000000001Ki', '2n'],
    ['307200Ki', '300Mi'],
    ['6Ki', '6Ki'],
    ['1025024Mi', '1001Gi'],
    ['1024Gi', '1Ti'],
    ['5000m', '5'],
    ['0.5', '500m'],
    ['0.001T', '1G'],
    ['1000u', '1m'],
    ['80m', '80m'],
    ['1.08', '1080m'],
    ['1080000000n', '1080m'],
    ['300M', '300M'],
    ['1T', '1T'],
    ['1E', '1E'],
    ['1000E', '1e21'],
    ['5000E', '5e21'],
    ['1000000E', '1e24'],
    ['1234567M', '1234567M'],
    ['3k', '3k'],
    ['1025', '1025'],
    ['0', '0'],
    ['00', '0'],
    ['.001e12', '1e9'],
    ['0.001e0', '1e-3'],
    ['1000e-12', '1e-9'],
    ['80e-3', '80e-3'],
    ['300e6', '300e6'],
    ['1e12', '1e12'],
    ['1e3', '1e3'],
    ['3e3', '3e3'],
    ['1n', '1n'],
    ['80n', '80n'],
    ['1080n', '1080n'],
    ['1u', '1u'],
    ['80u', '80u'],
    ['1080u', '1080u'],
    // The forms Edgewise manifests use most.
    ['1000m', '1'],
    ['1536Mi', '1536Mi'],
    ['1.5Gi', '1536Mi'],
    ['100m', '100m'],
    ['512Mi', '512Mi'],
    ['2', '2'],
    ['1500m', '1500m'],
    ['0.25', '250m'],
  ];
  for (const [input, canonical] of cases) {
    it(`${input} → ${canonical}`, () => {
      assert.equal(parseQuantity(input).toString(), canonical);
      assert.equal(parseQuantity(canonical).toString(), canonical, 'canonical form is stable');
      if (canonical !== '0') assert.equal(parseQuantity(`-${input}`).toString(), `-${canonical}`);
    });
  }

  it('prints constructed quantities like NewQuantity / NewMilliQuantity / NewScaledQuantity', () => {
    assert.equal(Quantity.fromValue(1).toString(), '1');
    assert.equal(Quantity.fromValue(1000).toString(), '1k');
    assert.equal(Quantity.fromValue(1234000).toString(), '1234k');
    assert.equal(Quantity.fromValue(1024, 'BinarySI').toString(), '1Ki');
    assert.equal(Quantity.fromValue(1024 * 1024, 'BinarySI').toString(), '1Mi');
    assert.equal(Quantity.fromValue(1000000, 'DecimalExponent').toString(), '1e6');
    assert.equal(Quantity.fromValue(2000, 'BinarySI').toString(), '2000');
    assert.equal(Quantity.fromValue(-2000, 'BinarySI').toString(), '-2000');
    assert.equal(Quantity.fromMilli(1).toString(), '1m');
    assert.equal(Quantity.fromMilli(1000).toString(), '1');
    assert.equal(Quantity.fromMilli(1234000).toString(), '1234');
    assert.equal(Quantity.fromMilli(1024, 'BinarySI').toString(), '1024m');
    assert.equal(Quantity.fromMilli(1048576, 'BinarySI').toString(), '1048576m');
    assert.equal(Quantity.fromMilli(1000000, 'DecimalExponent').toString(), '1e3');
    const scaled: ReadonlyArray<readonly [number, number, string]> = [
      [1, -9, '1n'],
      [1000, -9, '1u'],
      [1, -6, '1u'],
      [1000, -6, '1m'],
      [1, -3, '1m'],
      [1000, -3, '1'],
      [1, 0, '1'],
      [0, -9, '0'],
    ];
    for (const [value, scale, canonical] of scaled) {
      assert.equal(Quantity.fromScaled(value, scale).toString(), canonical);
    }
  });

  it('falls back to exponent notation past Ei and below n, as current apimachinery does', () => {
    assert.equal(Quantity.fromValue(2n ** 70n, 'BinarySI').toString(), '1180591620717411303424');
    assert.equal(Quantity.fromValue(10n ** 70n, 'BinarySI').toString(), '10e69');
    assert.equal(Quantity.fromValue(2n * 10n ** 70n, 'BinarySI').toString(), '20e69');
    assert.equal(Quantity.fromValue(10n ** 72n, 'BinarySI').toString(), '1e72');
    assert.equal(Quantity.fromScaled(1, -12).toString(), '1e-12');
    assert.equal(Quantity.fromScaled(1, -10).toString(), '100e-12');
  });

  it('serialises to JSON as the canonical string', () => {
    assert.equal(JSON.stringify({ cpu: parseQuantity('0.5') }), '{"cpu":"500m"}');
  });
});

describe('Quantity: values and rounding', () => {
  // apimachinery's TestNegativeValueRoundsAwayFromZero.
  const cases: ReadonlyArray<readonly [string, bigint, bigint]> = [
    ['-.484785E-7466', -1n, -1n],
    ['.484785E-7466', 1n, 1n],
    ['-.484785E-1', -1n, -49n],
    ['.484785E-1', 1n, 49n],
    ['-0.0005', -1n, -1n],
    ['0.0005', 1n, 1n],
    ['-1500m', -2n, -1500n],
    ['1500m', 2n, 1500n],
    ['-9.5000000001Gi', -10200547329n, -10200547328108n],
    ['9.5000000001Gi', 10200547329n, 10200547328108n],
    ['-1', -1n, -1000n],
    ['1', 1n, 1000n],
    ['0', 0n, 0n],
  ];
  for (const [input, value, milli] of cases) {
    it(`${input}: value ${value}, milliValue ${milli}`, () => {
      const q = parseQuantity(input);
      assert.equal(q.value(), value);
      assert.equal(q.milliValue(), milli);
    });
  }

  it('gives bytes and millicores exactly', () => {
    assert.equal(parseQuantity('1Gi').value(), 1073741824n);
    assert.equal(parseQuantity('512Mi').value(), 536870912n);
    assert.equal(parseQuantity('100m').milliValue(), 100n);
    assert.equal(parseQuantity('100m').value(), 1n);
    assert.equal(parseQuantity('0.1m').milliValue(), 1n);
    assert.equal(parseQuantity('2').milliValue(), 2000n);
    assert.equal(parseQuantity('12E').value(), 12n * 10n ** 18n, 'no int64 overflow');
  });

  it('scales like ScaledValue', () => {
    // apimachinery's TestScaledValue: NewScaledQuantity(1, from).ScaledValue(to).
    const cases: ReadonlyArray<readonly [number, number, bigint]> = [
      [-9, -9, 1n],
      [-9, -6, 1n],
      [-9, -3, 1n],
      [-9, 0, 1n],
      [-6, -9, 1000n],
      [-6, -6, 1n],
      [-6, -3, 1n],
      [-6, 0, 1n],
      [-3, -9, 1000000n],
      [-3, -6, 1000n],
      [-3, -3, 1n],
      [-3, 0, 1n],
      [0, -9, 1000000000n],
      [0, -6, 1000000n],
      [0, -3, 1000n],
      [0, 0, 1n],
      [2, -2, 10000n],
    ];
    for (const [from, to, expected] of cases) {
      assert.equal(Quantity.fromScaled(1, from).scaledValue(to), expected, `${from} → ${to}`);
    }
  });

  it('approximates as a number for display', () => {
    assert.equal(parseQuantity('1.5Gi').asApproximateNumber(), 1610612736);
    assert.equal(parseQuantity('250m').asApproximateNumber(), 0.25);
  });
});

describe('Quantity: comparison and arithmetic', () => {
  it('compares like Cmp', () => {
    const cases: ReadonlyArray<readonly [string, string, number]> = [
      ['0', '0', 0],
      ['100m', '50m', 1],
      ['50m', '100m', -1],
      ['10000T', '100Gi', 1],
      ['1Gi', '1073741824', 0],
      ['1G', '1Gi', -1],
      ['-1', '1m', -1],
      ['-1', '-2', 1],
      ['1e21', '999E', 1],
      ['0.5', '500m', 0],
    ];
    for (const [a, b, expected] of cases) {
      assert.equal(parseQuantity(a).cmp(parseQuantity(b)), expected, `${a} vs ${b}`);
      assert.equal(parseQuantity(b).cmp(parseQuantity(a)), expected === 0 ? 0 : -expected, `${b} vs ${a}`);
    }
  });

  it('adds exactly: 0.1 + 0.2 = 0.3', () => {
    const sum = parseQuantity('0.1').add(parseQuantity('0.2'));
    assert.ok(sum.equals(parseQuantity('0.3')));
    assert.equal(sum.toString(), '300m');
  });

  it('adds mixed units', () => {
    assert.equal(parseQuantity('1Gi').add(parseQuantity('512Mi')).toString(), '1536Mi');
    assert.equal(parseQuantity('250m').add(parseQuantity('1')).toString(), '1250m');
    assert.equal(parseQuantity('1k').add(parseQuantity('1Ki')).value(), 2024n);
  });

  it('subtracts like apimachinery TestSub', () => {
    const ten = parseQuantity('10');
    assert.ok(ten.sub(parseQuantity('1e1')).isZero());
    const nine = ten.sub(Quantity.fromValue(1, 'BinarySI'));
    assert.equal(nine.value(), 9n);
    assert.equal(nine.format, 'DecimalSI');
    const binaryNine = Quantity.fromValue(10, 'BinarySI').sub(parseQuantity('1'));
    assert.equal(binaryNine.format, 'BinarySI');
    assert.equal(parseQuantity('0').sub(parseQuantity('50')).toString(), '-50');
  });

  it('keeps the suffix when zero is added or subtracted (TestQuantityAddZeroPreservesSuffix)', () => {
    const zero = parseQuantity('0');
    for (const input of ['100m', '1Gi']) {
      const q = parseQuantity(input);
      assert.equal(q.add(zero).toString(), input);
      assert.equal(zero.add(q).toString(), input);
      assert.equal(q.sub(zero).toString(), input);
      assert.equal(zero.sub(q).toString(), `-${input}`);
    }
  });

  it('negates without touching the original', () => {
    const q = parseQuantity('9.01');
    assert.equal(q.neg().toString(), '-9010m');
    assert.equal(q.toString(), '9010m');
    assert.equal(q.neg().neg().cmp(q), 0);
  });

  it('reports sign and zero', () => {
    assert.equal(parseQuantity('-1m').sign(), -1);
    assert.equal(parseQuantity('0Gi').sign(), 0);
    assert.equal(parseQuantity('1n').sign(), 1);
    assert.equal(parseQuantity('0.000').isZero(), true);
  });
});

describe('formatBytes', () => {
  const cases: ReadonlyArray<readonly [Quantity | bigint | number, string]> = [
    [314572800, '300Mi'],
    [parseQuantity('1.5Gi'), '1.5Gi'],
    [parseQuantity('1536Mi'), '1.5Gi'],
    [parseQuantity('512Mi'), '512Mi'],
    [parseQuantity('1.25Gi'), '1.25Gi'],
    [512, '512'],
    [1023, '1023'],
    [1024, '1Ki'],
    [0, '0'],
    [1073741823n, '1023.99Mi'],
    [parseQuantity('-1Gi'), '-1Gi'],
    [parseQuantity('1G'), '953.67Mi'],
    [2n ** 70n, '1024Ei'],
  ];
  for (const [input, expected] of cases) {
    it(`${String(input)} → ${expected}`, () => assert.equal(formatBytes(input), expected));
  }

  it('reads naturally in a scheduling message', () => {
    const requests = parseQuantity('512Mi');
    const free = parseQuantity('300Mi');
    assert.equal(
      `insufficient memory (requests ${formatBytes(requests)}, free ${formatBytes(free)})`,
      'insufficient memory (requests 512Mi, free 300Mi)',
    );
  });
});

function captureError(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    if (err instanceof Error) return err;
    throw err;
  }
  throw new Error('expected an error');
}
