/**
 * The policy inputs the decision benches ask about, written once so every bench
 * measures the same question: a student joining a course with room (allowed) and a
 * consented video call (allowed), from the education and telemedicine scenarios.
 */
export const EDUCATION_JOIN = {
  action: 'join',
  user: { role: 'student', id: 'stu-42' },
  course: {
    id: 'math-101',
    status: 'active',
    capacity: 30,
    students: Array.from({ length: 24 }, (_, i) => `stu-${i}`),
  },
};

export const TELEMEDICINE_CALL = {
  action: 'video_call',
  user: { role: 'authorized_medical_staff', id: 'dr-7' },
  patient: { id: 'p-9', consent: true },
  data_stays_local: true,
};
