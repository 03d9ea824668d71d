/**
 * The shape of one fictional company site in the sample web. Text fields are plain text; the
 * renderer escapes them and understands two inline marks: `**bold**` and `[label](href)`.
 */

export type ThemeName = 'semantic' | 'bootstrap' | 'utility' | 'spa' | 'table' | 'wordpress';

export type Tracker =
  | 'gtm'
  | 'ga4'
  | 'segment'
  | 'hubspot'
  | 'intercom'
  | 'hotjar'
  | 'linkedin'
  | 'drift'
  | 'onetrust'
  | 'stripe'
  | 'plausible'
  | 'matomo'
  | 'facebook';

export interface Role {
  title: string;
  department: string;
  location: string;
  type?: string;
}

export interface NewsItem {
  /** ISO date, shown in a human format */
  date: string;
  title: string;
  body: string[];
  tag?: string;
}

export interface Tier {
  name: string;
  price: string;
  period?: string;
  blurb?: string;
  features: string[];
  highlight?: boolean;
}

export interface Story {
  company: string;
  industry?: string;
  summary: string;
  result?: string;
}

export interface Person {
  name: string;
  role: string;
  bio?: string;
}

export interface Testimonial {
  quote: string;
  name: string;
  role: string;
  company: string;
}

export type Block =
  | { kind: 'hero'; eyebrow?: string; headline: string; subhead: string; cta?: Link; secondary?: Link }
  | { kind: 'stats'; title?: string; items: [value: string, label: string][] }
  | { kind: 'features'; title?: string; intro?: string; items: { title: string; body: string }[] }
  | { kind: 'logos'; title: string; names: string[] }
  | { kind: 'testimonials'; title?: string; items: Testimonial[] }
  | { kind: 'prose'; title?: string; paragraphs: string[] }
  | { kind: 'facts'; title?: string; items: [label: string, value: string][] }
  | { kind: 'list'; title?: string; intro?: string; items: string[] }
  | { kind: 'roles'; title?: string; intro?: string; roles: Role[]; perks?: string[]; empty?: string }
  | { kind: 'news'; title?: string; items: NewsItem[] }
  | { kind: 'tiers'; title?: string; intro?: string; tiers: Tier[]; note?: string }
  | { kind: 'table'; title?: string; head: string[]; rows: string[][]; note?: string }
  | { kind: 'stories'; title?: string; intro?: string; items: Story[] }
  | { kind: 'people'; title?: string; items: Person[] }
  | { kind: 'contact'; title?: string; offices: { label: string; lines: string[] }[]; email?: string; phone?: string }
  | { kind: 'faq'; title?: string; items: [question: string, answer: string][] }
  | { kind: 'cta'; title: string; body: string; button: Link }
  | { kind: 'html'; html: string };

export interface Link {
  label: string;
  href: string;
}

export interface Page {
  /** file name under the site folder, e.g. `about.html` or `internal/floor-prices.html` */
  file: string;
  /** label in the header navigation; pages without one are linked from elsewhere */
  nav?: string;
  title: string;
  description: string;
  blocks: Block[];
}

export interface Site {
  domain: string;
  name: string;
  legalName?: string;
  theme: ThemeName;
  /** ICP the site was written to fit, or why it does not */
  fit: 'midmarket-logistics' | 'b2b-saas-scaleups' | 'non-fit';
  /** brand colour, used in inline styles */
  color: string;
  tagline: string;
  foundingDate: string;
  employees: number;
  address: { street: string; city: string; region?: string; postalCode: string; country: string };
  phone?: string;
  email?: string;
  sameAs: string[];
  trackers: Tracker[];
  lang?: string;
  cookieText?: string;
  newsletter?: { title: string; body: string } | false;
  footerColumns?: { title: string; links: Link[] }[];
  footerNote?: string;
  /** the year in the footer's copyright line (default 2026) */
  copyrightYear?: number;
  pages: Page[];
  robots?: string;
  /** extra non-HTML files (path -> contents) */
  files?: Record<string, string>;
}
