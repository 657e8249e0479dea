/**
 * Decoding of fields kubectl's generators never fill, with bodies built by a
 * small test encoder. Field numbers follow k8s.io/api and k8s.io/apimachinery's
 * generated.proto files.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EdgewiseError } from '../../src/api/errors.js';
import { decodeKubernetesProtobuf } from '../../src/api/protobuf/index.js';
import { bytes, concat, entry, envelope, fixed32, fixed64, msg, packed, varint } from './protobuf-encoder.js';

const decode = (body: Uint8Array) => decodeKubernetesProtobuf(body);

/** meta/v1 Time: {seconds = 1, nanos = 2}. */
const time = (no: number, seconds: number, nanos = 0) => msg(no, varint(1, seconds), varint(2, nanos));
/** resource.Quantity: {string = 1}. */
const quantity = (value: string) => msg(2, bytes(1, value));
/** intstr.IntOrString: {type = 1, intVal = 2, strVal = 3}. */
const intOrString = (no: number, value: number | string) =>
  typeof value === 'number'
    ? msg(no, varint(1, 0), varint(2, value), bytes(3, ''))
    : msg(no, varint(1, 1), varint(2, 0), bytes(3, value));

/** An ObjectMeta the way Go writes it: every non-pointer field present, zero or not. */
function objectMeta(no: number, name: string, ...extra: Uint8Array[]): Uint8Array {
  return msg(
    no,
    bytes(1, name),
    bytes(2, ''),
    bytes(3, ''),
    bytes(4, ''),
    bytes(5, ''),
    bytes(6, ''),
    varint(7, 0),
    bytes(8, new Uint8Array(0)),
    ...extra,
  );
}

function expectError(
  body: Uint8Array,
  code: 'EW_BAD_REQUEST' | 'EW_UNSUPPORTED_MEDIA_TYPE',
  message: RegExp,
) {
  assert.throws(
    () => decode(body),
    (err: unknown) => {
      assert.ok(EdgewiseError.isCode(err, code), `expected ${code}, got ${String(err)}`);
      assert.match(err.message, message);
      return true;
    },
  );
}

describe('protobuf ObjectMeta', () => {
  it('decodes every field a client may send, in Go struct order', () => {
    const meta = msg(
      1,
      bytes(1, 'edge-config'),
      bytes(2, 'edge-'),
      bytes(3, 'store-42'),
      bytes(4, ''),
      bytes(5, '6f1c0c7e-2b1d-4c57-9c3e-0d0b8c1f2a11'),
      bytes(6, '1234'),
      varint(7, 7),
      time(8, 1_700_000_000, 5),
      varint(10, 0),
      entry(11, 'tier', bytes(2, 'edge')),
      entry(11, 'app', bytes(2, 'web')),
      entry(12, 'note', bytes(2, '')),
      msg(
        13,
        bytes(5, 'apps/v1'),
        bytes(1, 'Deployment'),
        bytes(3, 'web'),
        bytes(4, 'uid-1'),
        varint(6, true),
        varint(7, false),
      ),
      bytes(14, 'edgewise.io/cleanup'),
      bytes(14, 'foregroundDeletion'),
      msg(
        17,
        bytes(1, 'kubectl-create'),
        bytes(2, 'Update'),
        bytes(3, 'v1'),
        time(4, 1_700_000_000),
        bytes(6, 'FieldsV1'),
        msg(7, bytes(1, '{"f:data":{".":{},"f:a":{}}}')),
        bytes(8, ''),
      ),
    );
    const cm = decode(envelope('v1', 'ConfigMap', meta));
    const expected = {
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: {
        name: 'edge-config',
        generateName: 'edge-',
        namespace: 'store-42',
        uid: '6f1c0c7e-2b1d-4c57-9c3e-0d0b8c1f2a11',
        resourceVersion: '1234',
        generation: 7,
        creationTimestamp: '2023-11-14T22:13:20Z',
        // A pointer in Go: written only when set, so the 0 is the client's.
        deletionGracePeriodSeconds: 0,
        labels: { tier: 'edge', app: 'web' },
        annotations: { note: '' },
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: 'web',
            uid: 'uid-1',
            controller: true,
            blockOwnerDeletion: false,
          },
        ],
        finalizers: ['edgewise.io/cleanup', 'foregroundDeletion'],
        managedFields: [
          {
            manager: 'kubectl-create',
            operation: 'Update',
            apiVersion: 'v1',
            time: '2023-11-14T22:13:20Z',
            fieldsType: 'FieldsV1',
            fieldsV1: { 'f:data': { '.': {}, 'f:a': {} } },
          },
        ],
      },
    };
    assert.deepStrictEqual(cm, expected);
    assert.equal(JSON.stringify(cm), JSON.stringify(expected));
  });

  it('drops zero values Go always writes, and the zero time', () => {
    const cm = decode(envelope('v1', 'ConfigMap', objectMeta(1, '')));
    assert.deepStrictEqual(cm, { kind: 'ConfigMap', apiVersion: 'v1', metadata: {} });
  });

  it('reads times before 1970 and with nanoseconds as RFC 3339 seconds', () => {
    const cm = decode(envelope('v1', 'ConfigMap', msg(1, bytes(1, 'old'), time(8, -86_400, 999_999_999))));
    assert.deepStrictEqual(cm.metadata, { name: 'old', creationTimestamp: '1969-12-31T00:00:00Z' });
  });
});

describe('protobuf ConfigMap and Secret', () => {
  it('keeps an explicit immutable: false (a Go *bool) and absent map values as empty', () => {
    const cm = decode(
      envelope(
        'v1',
        'ConfigMap',
        concat(objectMeta(1, 'cm'), varint(4, false), entry(2, 'blank'), entry(3, 'bin')),
      ),
    );
    assert.deepStrictEqual(cm, {
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: { name: 'cm' },
      immutable: false,
      data: { blank: '' },
      binaryData: { bin: '' },
    });
  });

  it('encodes Secret data bytes as base64 and keeps stringData, type and immutable', () => {
    const secret = decode(
      envelope(
        'v1',
        'Secret',
        concat(
          objectMeta(1, 's'),
          entry(2, 'key', bytes(2, Uint8Array.from([0, 255, 128, 10]))),
          entry(4, 'user', bytes(2, 'admin')),
          bytes(3, 'kubernetes.io/basic-auth'),
          varint(5, true),
        ),
      ),
    );
    assert.deepStrictEqual(secret, {
      kind: 'Secret',
      apiVersion: 'v1',
      metadata: { name: 's' },
      immutable: true,
      data: { key: 'AP+ACg==' },
      stringData: { user: 'admin' },
      type: 'kubernetes.io/basic-auth',
    });
  });

  it('keeps a map key named __proto__ as data, as JSON.parse would', () => {
    const cm = decode(
      envelope('v1', 'ConfigMap', concat(objectMeta(1, 'cm'), entry(2, '__proto__', bytes(2, 'x')))),
    );
    assert.deepStrictEqual(cm.data, JSON.parse('{"__proto__":"x"}'));
    assert.equal(Object.getPrototypeOf(cm.data), Object.prototype);
  });

  it('lets a later record of a singular field override an earlier one, as protobuf says', () => {
    const cm = decode(envelope('v1', 'ConfigMap', concat(msg(1, bytes(1, 'first'), bytes(1, 'second')))));
    assert.deepStrictEqual(cm.metadata, { name: 'second' });
  });
});

describe('protobuf workloads', () => {
  const container = msg(
    2,
    bytes(1, 'app'),
    bytes(2, 'registry.local/app:2'),
    bytes(4, '--port=8080'),
    msg(6, bytes(1, 'http'), varint(2, 0), varint(3, 8080), bytes(4, 'TCP'), bytes(5, '')),
    msg(19, bytes(1, 'CFG_'), msg(2, msg(1, bytes(1, 'edge-config')), varint(2, true))),
    msg(7, bytes(1, 'MODE'), bytes(2, 'edge')),
    msg(
      7,
      bytes(1, 'TOKEN'),
      bytes(2, ''),
      msg(3, msg(4, msg(1, bytes(1, 'edge-creds')), bytes(2, 'token'))),
    ),
    msg(
      8,
      entry(1, 'cpu', quantity('500m')),
      entry(1, 'memory', quantity('128Mi')),
      entry(2, 'cpu', quantity('250m')),
    ),
    msg(9, bytes(1, 'config'), varint(2, true), bytes(3, '/etc/app'), bytes(4, ''), bytes(6, '')),
    msg(10, msg(1, msg(3, intOrString(1, 8080), bytes(2, ''))), varint(2, 0), varint(4, 10)),
    msg(11, msg(1, msg(2, bytes(1, '/healthz'), intOrString(2, 'http'), bytes(3, ''), bytes(4, 'HTTP')))),
    bytes(13, '/dev/termination-log'),
    bytes(14, 'IfNotPresent'),
    msg(15, varint(4, 0), varint(5, true), msg(1, bytes(1, 'NET_ADMIN'), bytes(2, 'ALL'))),
    varint(16, false),
  );
  const podSpec = msg(
    2,
    msg(1, bytes(1, 'config'), msg(2, msg(19, msg(1, bytes(1, 'edge-config')), varint(3, 0o644)))),
    msg(1, bytes(1, 'scratch'), msg(2, msg(2, bytes(1, 'Memory'), msg(2, bytes(1, '64Mi'))))),
    container,
    bytes(3, 'Always'),
    varint(4, 30),
    entry(7, 'edgewise.io/site', bytes(2, 'store-42')),
    varint(11, false),
    msg(14, varint(2, 1000), packed(4, [1000, 2000])),
    msg(
      22,
      bytes(1, 'edgewise.io/offline'),
      bytes(2, 'Exists'),
      bytes(3, ''),
      bytes(4, 'NoExecute'),
      varint(5, 300),
    ),
    varint(25, -5),
  );
  const template = msg(3, objectMeta(1, '', entry(11, 'app', bytes(2, 'web'))), podSpec);

  it('decodes a Deployment with probes, env sources, resources, volumes and a rolling update', () => {
    const spec = msg(
      2,
      varint(1, 2),
      msg(2, entry(1, 'app', bytes(2, 'web')), msg(2, bytes(1, 'tier'), bytes(2, 'In'), bytes(3, 'edge'))),
      template,
      msg(4, bytes(1, 'RollingUpdate'), msg(2, intOrString(1, '25%'), intOrString(2, 1))),
      varint(5, 0),
      varint(6, 0),
      varint(7, false),
      varint(9, 600),
    );
    const dep = decode(
      envelope('apps/v1', 'Deployment', concat(objectMeta(1, 'web'), spec, msg(3, varint(1, 0)))),
    );
    assert.deepStrictEqual(dep, {
      kind: 'Deployment',
      apiVersion: 'apps/v1',
      metadata: { name: 'web' },
      spec: {
        replicas: 2,
        selector: {
          matchLabels: { app: 'web' },
          matchExpressions: [{ key: 'tier', operator: 'In', values: ['edge'] }],
        },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            volumes: [
              { name: 'config', configMap: { name: 'edge-config', defaultMode: 420 } },
              { name: 'scratch', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
            ],
            containers: [
              {
                name: 'app',
                image: 'registry.local/app:2',
                args: ['--port=8080'],
                ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
                envFrom: [{ prefix: 'CFG_', configMapRef: { name: 'edge-config', optional: true } }],
                env: [
                  { name: 'MODE', value: 'edge' },
                  { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'edge-creds', key: 'token' } } },
                ],
                resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '250m' } },
                volumeMounts: [{ name: 'config', readOnly: true, mountPath: '/etc/app' }],
                livenessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 10 },
                readinessProbe: { httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' } },
                terminationMessagePath: '/dev/termination-log',
                imagePullPolicy: 'IfNotPresent',
                securityContext: {
                  capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] },
                  runAsUser: 0,
                  runAsNonRoot: true,
                },
              },
            ],
            restartPolicy: 'Always',
            terminationGracePeriodSeconds: 30,
            nodeSelector: { 'edgewise.io/site': 'store-42' },
            securityContext: { runAsUser: 1000, supplementalGroups: [1000, 2000] },
            tolerations: [
              { key: 'edgewise.io/offline', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
            ],
            priority: -5,
          },
        },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: 1 } },
        revisionHistoryLimit: 0,
        progressDeadlineSeconds: 600,
      },
      status: {},
    });
  });

  it('decodes a DaemonSet and a Pod with the same pod template code', () => {
    const ds = decode(
      envelope(
        'apps/v1',
        'DaemonSet',
        concat(
          objectMeta(1, 'agent'),
          msg(2, msg(1, entry(1, 'app', bytes(2, 'agent'))), msg(2, podSpec), msg(3, bytes(1, 'OnDelete'))),
        ),
      ),
    ) as { spec: { template: { spec: { containers: { name: string }[] } }; updateStrategy: unknown } };
    assert.equal(ds.spec.template.spec.containers[0]?.name, 'app');
    assert.deepStrictEqual(ds.spec.updateStrategy, { type: 'OnDelete' });

    const pod = decode(
      envelope('v1', 'Pod', concat(objectMeta(1, 'p'), podSpec, msg(3, bytes(1, 'Pending'), time(7, 0)))),
    ) as { spec: { priority: number }; status: unknown };
    assert.equal(pod.spec.priority, -5);
    assert.deepStrictEqual(pod.status, { phase: 'Pending', startTime: '1970-01-01T00:00:00Z' });
  });

  it('accepts repeated numbers both packed and one record each', () => {
    const unpacked = msg(2, msg(14, varint(4, 1000), varint(4, -1)));
    const pod = decode(envelope('v1', 'Pod', concat(objectMeta(1, 'p'), unpacked))) as {
      spec: { securityContext: unknown };
    };
    assert.deepStrictEqual(pod.spec.securityContext, { supplementalGroups: [1000, -1] });
  });
});

describe('protobuf fields Edgewise has no table for', () => {
  it('skips unknown fields of every wire type, at any depth', () => {
    const unknown = concat(varint(99, 5), bytes(98, 'x'), fixed32(97), fixed64(96));
    const plain = decode(
      envelope('v1', 'ConfigMap', concat(objectMeta(1, 'cm'), entry(2, 'a', bytes(2, 'b')))),
    );
    const withUnknown = decode(
      envelope(
        'v1',
        'ConfigMap',
        concat(unknown, objectMeta(1, 'cm', unknown), entry(2, 'a', bytes(2, 'b')), unknown),
      ),
    );
    assert.deepStrictEqual(withUnknown, plain);
    assert.deepStrictEqual(plain, {
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: { name: 'cm' },
      data: { a: 'b' },
    });
  });
});

describe('protobuf errors', () => {
  const good = envelope('v1', 'ConfigMap', objectMeta(1, 'cm'));

  it('refuses an empty body or one without the k8s\\0 prefix as a bad request', () => {
    expectError(new Uint8Array(0), 'EW_BAD_REQUEST', /the request body is empty/);
    expectError(
      new TextEncoder().encode('{"kind":"ConfigMap"}'),
      'EW_BAD_REQUEST',
      /does not start with the k8s\\0 prefix/,
    );
  });

  it('refuses a truncated body, naming where', () => {
    expectError(
      good.subarray(0, good.length - 6),
      'EW_BAD_REQUEST',
      /not valid Kubernetes protobuf: .*runs past the end/,
    );
    const badInner = envelope('v1', 'ConfigMap', concat(msg(1, Uint8Array.from([0x0a, 0x05, 0x61]))));
    expectError(badInner, 'EW_BAD_REQUEST', /metadata: field 1 at byte 1 runs past the end/);
    expectError(
      Uint8Array.from([0x6b, 0x38, 0x73, 0x00, 0x08, 0xff]),
      'EW_BAD_REQUEST',
      /truncated or over-long varint/,
    );
  });

  it('refuses a field whose wire type cannot hold its value, naming the field path', () => {
    const body = envelope('v1', 'ConfigMap', msg(1, varint(1, 3)));
    expectError(body, 'EW_BAD_REQUEST', /metadata\.name: wire type 0 cannot hold a string/);
    const fields = envelope('v1', 'ConfigMap', msg(1, msg(17, msg(7, bytes(1, '{nope')))));
    expectError(fields, 'EW_BAD_REQUEST', /metadata\.managedFields\[0\]\.fieldsV1: not valid JSON/);
  });

  it('refuses an envelope that names no kind', () => {
    expectError(
      envelope('v1', '', new Uint8Array(0)),
      'EW_BAD_REQUEST',
      /does not name an apiVersion and kind/,
    );
  });

  it('answers 415 for an encoded or non-protobuf payload inside the envelope', () => {
    const raw = objectMeta(1, 'cm');
    expectError(
      envelope('v1', 'ConfigMap', raw, { contentEncoding: 'gzip' }),
      'EW_UNSUPPORTED_MEDIA_TYPE',
      /^ConfigMap \(v1\) arrived wrapped as gzip, which Edgewise does not unwrap; .*kubectl apply -f/,
    );
    expectError(
      envelope('v1', 'ConfigMap', raw, { contentType: 'application/json' }),
      'EW_UNSUPPORTED_MEDIA_TYPE',
      /arrived wrapped as application\/json/,
    );
  });

  it('answers 415 for a kind in a group version it does not decode', () => {
    expectError(
      envelope('apps/v1beta1', 'Deployment', new Uint8Array(0)),
      'EW_UNSUPPORTED_MEDIA_TYPE',
      /^Deployment \(apps\/v1beta1\) cannot be decoded from application\/vnd\.kubernetes\.protobuf; Edgewise decodes protobuf only for ConfigMap, Secret, Namespace, Pod, Deployment, DaemonSet\./,
    );
  });
});
