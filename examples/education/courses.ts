// Education service (WAGI): students join courses at their city's edge site.
//   GET  /courses/math-101         → {"course":"math-101","status":"active","capacity":30,"students":12}
//   POST /courses/math-101/join    {"student":"s-42","role":"student"}
// Who may join is the platform's policy (education-policy.rego, shipped to the node as
// a ConfigMap: examples/policy/manifests/education-policy.yaml): before admitting, the
// service asks data.education.allow on its own node through the edgewise.policy_decide
// host function — no HTTP, and no hub needed. A denial is 403 with the reason and the
// decision id (the decision is in the node's decision log, shipped to the hub for audit).
// A full course is 409, from the service's own enrolments. The catalogue comes from the
// COURSES env var ("id:status:capacity,…"); enrolments live in the /data volume, one
// file per course.
import { decide, errnoName, lastErrno } from '../lib/edgewise';
import {
  appendFile,
  ensureDir,
  findPreopen,
  isSafeId,
  json,
  jsonField,
  log,
  quote,
  Request,
  readFile,
  readRequest,
} from '../lib/wagi';

class Course {
  constructor(
    public id: string,
    public status: string,
    public capacity: i32,
  ) {}
}

function lookup(req: Request, id: string): Course | null {
  const list = req
    .env('COURSES', 'math-101:active:30,physics-201:active:2,history-110:archived:40')
    .split(',');
  for (let i = 0; i < list.length; i++) {
    const parts = list[i].trim().split(':');
    if (parts.length == 3 && parts[0] == id) return new Course(id, parts[1], I32.parseInt(parts[2]));
  }
  return null;
}

function enrolled(data: i32, id: string): string[] {
  const text = readFile(data, 'courses/' + id + '.txt');
  const out: string[] = [];
  if (text == null) return out;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) if (lines[i].length > 0) out.push(lines[i]);
  return out;
}

function handle(req: Request): void {
  const parts = req.path.split('/'); // "", "courses", id, ["join"]
  if (parts.length < 3 || parts[1] != 'courses' || !isSafeId(parts[2])) {
    json(404, '{"error":"use GET /courses/<id> or POST /courses/<id>/join"}');
    return;
  }
  const course = lookup(req, parts[2]);
  if (course == null) {
    json(404, '{"error":"unknown course ' + parts[2] + '"}');
    return;
  }
  const data = findPreopen('/data');
  if (data < 0) {
    json(503, '{"error":"no writable volume mounted at /data"}');
    return;
  }
  const students = enrolled(data, course.id);
  if (parts.length == 3 && req.method == 'GET') {
    json(
      200,
      '{"course":' +
        quote(course.id) +
        ',"status":' +
        quote(course.status) +
        ',"capacity":' +
        course.capacity.toString() +
        ',"students":' +
        students.length.toString() +
        '}',
    );
    return;
  }
  if (parts.length == 4 && parts[3] == 'join' && req.method == 'POST') {
    join(req, data, course, students);
    return;
  }
  json(405, '{"error":"method not allowed"}');
}

function deny(status: i32, course: Course, reason: string): void {
  json(status, '{"joined":false,"course":' + quote(course.id) + ',"reason":' + quote(reason) + '}');
}

function join(req: Request, data: i32, course: Course, students: string[]): void {
  const student = jsonField(req.body, 'student');
  const role = jsonField(req.body, 'role');
  if (student == null || !isSafeId(student)) {
    json(400, "{\"error\":\"field student must be an id of letters, digits, '-', '_' or '.'\"}");
    return;
  }
  if (students.includes(student)) {
    json(
      200,
      '{"joined":true,"course":' +
        quote(course.id) +
        ',"students":' +
        students.length.toString() +
        ',"already":true}',
    );
    return;
  }
  if (students.length >= course.capacity) return deny(409, course, 'course is full');
  const answer = decide('education/allow', joinInput(student, role == null ? '' : role, course, students));
  if (answer.length == 0) {
    log('courses: no policy decision: ' + errnoName(lastErrno));
    json(503, '{"error":' + quote('no policy decision: ' + errnoName(lastErrno)) + '}');
    return;
  }
  const decision = jsonField(answer, 'decision_id');
  const decisionId = decision == null ? '' : decision;
  if (answer.includes('"error":')) {
    log('courses: policy evaluation failed: ' + answer);
    json(503, '{"error":"the join policy failed to evaluate","decision_id":' + quote(decisionId) + '}');
    return;
  }
  const result = jsonField(answer, 'result');
  if (result == null)
    return deniedByPolicy(course, 'no join policy (education/allow) is in force on this node', decisionId);
  if (result != 'true') {
    const who = role == null || role.length == 0 ? 'a user without a role' : 'a ' + role;
    const why = 'the join policy (education/allow) does not admit ' + who + ' to this ' + course.status + ' course';
    return deniedByPolicy(course, why, decisionId);
  }
  let err = ensureDir(data, 'courses');
  if (err == 0) err = appendFile(data, 'courses/' + course.id + '.txt', student + '\n');
  if (err != 0) {
    log('courses: cannot record enrolment: errno ' + err.toString());
    json(500, '{"error":"cannot record the enrolment"}');
    return;
  }
  log('courses: ' + student + ' joined ' + course.id);
  json(
    200,
    '{"joined":true,"course":' +
      quote(course.id) +
      ',"students":' +
      (students.length + 1).toString() +
      ',"capacity":' +
      course.capacity.toString() +
      ',"decision_id":' +
      quote(decisionId) +
      '}',
  );
}

/** The policy's input, as the education scenario's policy reads it (input.user, input.course). */
function joinInput(student: string, role: string, course: Course, students: string[]): string {
  let list = '';
  for (let i = 0; i < students.length; i++) list += (i > 0 ? ',' : '') + quote(students[i]);
  return (
    '{"action":"join","user":{"id":' +
    quote(student) +
    ',"role":' +
    quote(role) +
    '},"course":{"id":' +
    quote(course.id) +
    ',"status":' +
    quote(course.status) +
    ',"capacity":' +
    course.capacity.toString() +
    ',"students":[' +
    list +
    ']}}'
  );
}

function deniedByPolicy(course: Course, reason: string, decisionId: string): void {
  log('courses: join ' + course.id + ' refused: ' + reason + ' (decision ' + decisionId + ')');
  json(
    403,
    '{"joined":false,"course":' +
      quote(course.id) +
      ',"reason":' +
      quote(reason) +
      ',"decision_id":' +
      quote(decisionId) +
      '}',
  );
}

handle(readRequest());
