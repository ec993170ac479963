// Theme: system (default), light or dark; kept in localStorage, applied to <html data-theme>.
export type Theme = 'system' | 'light' | 'dark';
const themeKey = 'bot-theme';

export function savedTheme(): Theme {
  const t = localStorage.getItem(themeKey);
  return t === 'light' || t === 'dark' ? t : 'system';
}

export function applyTheme(theme: Theme): void {
  if (theme === 'system') {
    document.documentElement.removeAttribute('data-theme');
    localStorage.removeItem(themeKey);
  } else {
    document.documentElement.dataset.theme = theme;
    localStorage.setItem(themeKey, theme);
  }
}
