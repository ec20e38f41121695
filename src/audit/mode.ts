// How the audit writes a file mode in evidence: four octal digits with the special bits ("0644", "1777").
export const oct = (mode: number): string => (mode & 0o7777).toString(8).padStart(4, "0");
