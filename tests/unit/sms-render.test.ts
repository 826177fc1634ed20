/** SMS rendering: numbered choices, GSM-7 look-alikes, segment counting, E.164 numbers. */
import { normaliseAddress } from '../../channels/twilio/phone';
import { renderSms, smsBilling, toGsmFriendly } from '../../channels/sms/render';

test('choices become numbered lines and "Reply 1, 2 or 3"', () => {
  const body = renderSms({ text: 'What would you like?', choices: [{ value: 'a', label: 'Bins' }, { value: 'b', label: 'Parking' }, { value: 'agent', label: 'Talk to a person' }] });
  expect(body).toBe('What would you like?\n1 Bins\n2 Parking\n3 Talk to a person\nReply 1, 2 or 3.');
});

test('curly quotes and dashes would force UCS-2; they are swapped so the text stays GSM-7', () => {
  const copy = 'We\u2019ll collect it \u2013 \u201Csoon\u201D\u2026';
  expect(smsBilling(copy).encoding).toBe('UCS-2');
  expect(toGsmFriendly(copy)).toBe('We\'ll collect it - "soon"...');
  expect(smsBilling(toGsmFriendly(copy))).toEqual({ encoding: 'GSM-7', segments: 1 });
  expect(smsBilling('x'.repeat(161))).toEqual({ encoding: 'GSM-7', segments: 2 });
  // Real non-GSM text (an emoji, or te reo M\u0101ori macrons) stays as written.
  expect(smsBilling(renderSms({ text: 'Kia ora \u0101' })).encoding).toBe('UCS-2');
});

test('numbers are E.164, with the council country for local formats; WhatsApp keeps its prefix', () => {
  expect(normaliseAddress('0412 345 678', 'AU')).toBe('+61412345678');
  expect(normaliseAddress('+61 412 345 678')).toBe('+61412345678');
  expect(normaliseAddress('whatsapp:+61412345678')).toBe('whatsapp:+61412345678');
  expect(normaliseAddress('not a number', 'AU')).toBeUndefined();
});
