/** Everything the welcome flow says, in one place: short for SMS, speakable for voice. */
export const copy = {
  greeting: (council: string) => `Hi, I'm the ${council} assistant. What can I help with today?`,
  hello: (council: string) => `Hi, I'm the ${council} assistant.`,
  menuPrompt: 'Choose an option, or type your question.',
  notUnderstood: "Sorry, I didn't understand that.",
  outOfScope: (labels: string[]) => `Sorry, I can't help with that here. I can help with ${labels.slice(0, -1).join(', ')} or ${labels[labels.length - 1]}, or you can talk to a person.`,
  referral: (topic: string, agency: string) => `Sorry, the council can't help with ${topic}. Try ${agency}. I can help with council services, or you can talk to a person.`,
  comingSoon: (label: string) => `${label} isn't available in this chat yet. A person can help you with it.`,
  offerPerson: 'Would you like to talk to a person?',
  goodbye: 'Thanks for contacting us. Message again any time.',
  talkToPerson: 'Talk to a person',
};
