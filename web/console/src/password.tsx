/** Choosing one's own password: at first sign-in with a temporary one, or at any time from the header. */
import { useState } from 'preact/hooks';
import { api } from './api';

export function ChangePassword({ intro, onDone, onSignOut }: { intro: string; onDone: () => void; onSignOut?: () => void }) {
  const [error, setError] = useState('');
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const field = (name: string) => form.elements.namedItem(name) as HTMLInputElement;
    const [current, next, again] = [field('current-password'), field('new-password'), field('repeat-password')];
    if (next.value.length < 10) return (setError('Your new password needs at least 10 characters.'), next.focus());
    if (next.value !== again.value) return (setError('The two new passwords are not the same.'), again.focus());
    try {
      await api('/me/password', { method: 'POST', body: { currentPassword: current.value, newPassword: next.value } });
      form.reset();
      setError('');
      onDone();
    } catch (failure) {
      setError((failure as Error).message);
      current.focus();
    }
  };
  return (
    <section class="signin" aria-labelledby="password-title">
      <h2 id="password-title">Choose a new password</h2>
      <p>{intro}</p>
      <form noValidate onSubmit={submit}>
        <label for="current-password">Current password</label>
        <input id="current-password" name="current-password" type="password" autoComplete="current-password" required autoFocus />
        <label for="new-password">New password (at least 10 characters)</label>
        <input id="new-password" name="new-password" type="password" autoComplete="new-password" required minLength={10} />
        <label for="repeat-password">New password again</label>
        <input id="repeat-password" name="repeat-password" type="password" autoComplete="new-password" required minLength={10} />
        <p class="error" role="alert">{error}</p>
        <button type="submit">Save my password</button>
        {onSignOut && <button type="button" class="secondary" onClick={onSignOut}>Sign out</button>}
      </form>
    </section>
  );
}
