/** What `/version` reports; kubectl reads major/minor/gitVersion. */
export const VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-edgewise.0.1.0',
  gitCommit: '',
  gitTreeState: 'clean',
  buildDate: '',
  goVersion: `node${process.versions.node}`,
  compiler: 'tsc',
  platform: `${process.platform}/${process.arch}`,
} as const;
