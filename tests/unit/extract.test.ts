/** Pure readers of what residents write: party sizes, dates that are dates, places, choices, yes and no. */
import { choiceAnswered, extractAddress, extractDate, extractPartySize, isGoodbye, isNo, isYes, looksLikePlace } from '../../src/ai/extract';
import { focusedAnswer } from '../../src/flow-engine/form';

test.each([
  ['me n 3 mates', 4],
  ['me and the missus and 2 kids', 4],
  ['just me and my partner', 2],
  ['there are 4 of us', 4],
  ['2 adults and 3 kids', 5],
  ['just me', 1],
  ['me and me mate', 2],
  ['my wife and I', 2],
  ['I want 2 nights for 4 people', 4],
])('"%s" is a party of %i', (text, people) => {
  expect(extractPartySize(text)).toBe(people);
});

test('a time or a duration is not an arrival date', () => {
  const now = new Date('2026-12-02T09:00:00Z');
  expect(extractDate('its about 1m wide and a car already blew a tyre', now, 'Australia/Sydney')).toBeUndefined();
  expect(extractDate('report a pothole at 5 Bank St', now, 'Australia/Sydney')).toBeUndefined();
  expect(extractDate('from next friday for 2 nights', now, 'Australia/Sydney')).toMatch(/^2026-12-(04|11)$/);
  expect(extractDate('Friday 4 December', now, 'Australia/Sydney')).toBe('2026-12-04');
});

test('addresses read grammatically; any text is not a place', () => {
  expect(extractAddress('the street light is out on the corner of King St and George St')).toBe('the corner of King St and George St');
  expect(extractAddress('there is a massive pothole on my street')).toBeUndefined();
  expect(extractAddress('pothole outside 12 Smith Street')).toBe('12 Smith Street');
  expect(looksLikePlace('status')).toBe(false);
  expect(looksLikePlace('I need a residential parking permit')).toBe(false);
  expect(looksLikePlace('behind the old church hall')).toBe(true);
});

test('choices are answered by number, label (any case, typos) and yes/no words', () => {
  const yesNo = [{ value: 'yes', label: 'Yes' }, { value: 'no', label: 'No' }];
  const campgrounds = [{ value: 'river-flats', label: 'River Flats' }, { value: 'lookout-hill', label: 'Lookout Hill' }, { value: 'bayside-reserve', label: 'Bayside Reserve' }];
  expect(choiceAnswered('1', yesNo)?.value).toBe('yes');
  expect(choiceAnswered('2', yesNo)?.value).toBe('no');
  for (const word of ['yep', 'Sure', 'ok', 'YES!', 'yes please']) expect(choiceAnswered(word, yesNo)?.value).toBe('yes');
  for (const word of ['nah', 'no thanks', 'Nope']) expect(choiceAnswered(word, yesNo)?.value).toBe('no');
  expect(choiceAnswered('no, 3 nights', yesNo)).toBeUndefined();
  expect(choiceAnswered('BAYSDIE', campgrounds)?.value).toBe('bayside-reserve');
  expect(choiceAnswered('lookout hill', campgrounds)?.value).toBe('lookout-hill');
  expect(choiceAnswered('4', campgrounds)).toBeUndefined();
  expect(isYes('yes but change the date')).toBe(false);
  expect(isNo('no the 5th')).toBe(false);
  expect(isGoodbye('thanks, bye')).toBe(true);
});

test('a mid-flow answer keeps the sentences that answer the question, and its link', () => {
  const passage = 'Quiet hours are 10pm to 7am. Campfires are allowed only in the fire pits provided and never on total fire ban days. Dogs must be on a lead. More: https://council.example/camping';
  expect(focusedAnswer('are campfires allowed?', passage, 150)).toBe('Campfires are allowed only in the fire pits provided and never on total fire ban days. More: https://council.example/camping');
});
