import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';

export type ThemePreference = 'light' | 'dark' | 'system';
const KEY = 'pilothouse.theme';

/** Light/dark theme: the user's choice, or the OS's when set to "system". Persisted locally. */
export const useThemeStore = defineStore('theme', () => {
  const stored = localStorage.getItem(KEY);
  const preference = ref<ThemePreference>(
    stored === 'light' || stored === 'dark' || stored === 'system' ? stored : 'system',
  );
  const media = window.matchMedia('(prefers-color-scheme: dark)');
  const systemDark = ref(media.matches);
  media.addEventListener('change', (e) => (systemDark.value = e.matches));

  const dark = computed(
    () => preference.value === 'dark' || (preference.value === 'system' && systemDark.value),
  );
  watch(preference, (p) => localStorage.setItem(KEY, p));
  watch(dark, (d) => document.documentElement.classList.toggle('dark', d), { immediate: true });

  function toggle() {
    preference.value = dark.value ? 'light' : 'dark';
  }

  return { preference, dark, toggle };
});
