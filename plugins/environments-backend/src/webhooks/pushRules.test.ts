import { InputError } from '@backstage/errors';
import {
  featureNameFromBranch,
  findDeployCommit,
  imageTagFromTemplate,
  matchRepository,
  normalizeRepository,
} from './pushRules';
import { PushCommit } from './types';

function commit(id: string, message: string): PushCommit {
  return { id, message, author: { name: 'Jane Doe' } };
}

describe('findDeployCommit', () => {
  const commits = [
    commit('c3', 'Polish the banner'),
    commit('c2', 'Show the banner\n\ndeploy_feature'),
    commit('c1', 'First try deploy_feature'),
  ];

  it('finds the newest commit carrying the keyword', () => {
    expect(findDeployCommit({ commits })?.id).toBe('c2');
  });

  it('finds nothing without the keyword', () => {
    expect(
      findDeployCommit({ commits: [commit('c1', 'Just a fix')] }),
    ).toBeUndefined();
    expect(findDeployCommit({ commits: [] })).toBeUndefined();
    // case matters
    expect(
      findDeployCommit({ commits: [commit('c1', 'DEPLOY_FEATURE')] }),
    ).toBeUndefined();
  });

  it('takes a configured keyword', () => {
    expect(findDeployCommit({ commits }, '[preview]')).toBeUndefined();
    expect(
      findDeployCommit(
        { commits: [commit('c9', 'Add search [preview]'), ...commits] },
        '[preview]',
      )?.id,
    ).toBe('c9');
    expect(() => findDeployCommit({ commits }, '')).toThrow(InputError);
  });
});

describe('featureNameFromBranch', () => {
  it('strips feature/ and sanitizes the rest by default', () => {
    expect(featureNameFromBranch('feature/31337-login')).toBe('31337-login');
    expect(featureNameFromBranch('feature/JIRA-4711_Checkout')).toBe(
      'jira-4711-checkout',
    );
    expect(featureNameFromBranch('Fix_Login')).toBe('fix-login');
    expect(featureNameFromBranch('bugfix/ÄÖÜ payment--retry!')).toBe(
      'bugfix-payment--retry',
    );
  });

  it('takes the capture group of a configured pattern', () => {
    const pattern = '^feature/(\\d+)';
    expect(featureNameFromBranch('feature/31337-login', { pattern })).toBe(
      '31337',
    );
    expect(featureNameFromBranch('main', { pattern })).toBeUndefined();
    expect(featureNameFromBranch('hotfix/31337', { pattern })).toBeUndefined();
  });

  it('fills in a template', () => {
    expect(
      featureNameFromBranch('feature/31337-login', {
        pattern: '^feature/(\\d+)',
        template: 'feature-{1}',
      }),
    ).toBe('feature-31337');
    expect(
      featureNameFromBranch('team-a/feature/7', {
        pattern: '^([^/]+)/feature/(\\d+)$',
        template: '{2}-{1}',
      }),
    ).toBe('7-team-a');
  });

  it('cuts to 63 characters without a trailing dash', () => {
    const name = featureNameFromBranch(`feature/${'a'.repeat(62)}_b`);
    expect(name).toBe('a'.repeat(62));
    expect(featureNameFromBranch(`feature/${'x'.repeat(100)}`)).toHaveLength(
      63,
    );
  });

  it('gives nothing when no valid name is left', () => {
    expect(featureNameFromBranch('feature/___')).toBeUndefined();
    expect(featureNameFromBranch('///')).toBeUndefined();
    expect(
      featureNameFromBranch('feature/', { pattern: '^feature/(.*)$' }),
    ).toBeUndefined();
  });

  it('rejects a broken configuration', () => {
    expect(() => featureNameFromBranch('x', { pattern: '(' })).toThrow(
      /^pattern: '\(' is not a valid regular expression/,
    );
    expect(() =>
      featureNameFromBranch('feature/1', { pattern: '^feature/\\d+$' }),
    ).toThrow("pattern: '^feature/\\d+$' must have a capture group");
    expect(() =>
      featureNameFromBranch('feature/1', { template: '{1}-{2}' }),
    ).toThrow(
      /template: '\{1\}-\{2\}' uses group \{2\}, but the pattern has 1/,
    );
  });
});

describe('imageTagFromTemplate', () => {
  const sha = '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c';

  it('is the sha by default', () => {
    expect(imageTagFromTemplate(undefined, { sha })).toBe(sha);
  });

  it('fills in every placeholder', () => {
    expect(
      imageTagFromTemplate('{feature}-{shortSha}', { sha, feature: '31337' }),
    ).toBe('31337-0d1a26e');
    expect(
      imageTagFromTemplate('{branch}.{shortSha}', {
        sha,
        branch: 'feature/JIRA-4711_Checkout',
      }),
    ).toBe('feature-JIRA-4711_Checkout.0d1a26e');
    expect(imageTagFromTemplate('{branch}', { sha, branch: '.hidden/x' })).toBe(
      'hidden-x',
    );
    expect(
      imageTagFromTemplate('{shortSha}', { sha, shortSha: '0d1a26e67d' }),
    ).toBe('0d1a26e67d');
  });

  it('cuts a long branch to 128 characters', () => {
    expect(
      imageTagFromTemplate('{branch}', { sha, branch: 'b'.repeat(300) }),
    ).toBe('b'.repeat(128));
  });

  it('rejects unknown and empty placeholders and invalid tags', () => {
    expect(() => imageTagFromTemplate('{commit}', { sha })).toThrow(
      /^imageTagTemplate: unknown placeholder \{commit\}/,
    );
    expect(() => imageTagFromTemplate('{feature}', { sha })).toThrow(
      'imageTagTemplate: {feature} has no value for this push',
    );
    expect(() =>
      imageTagFromTemplate('{branch}-{sha}', { sha, branch: 'b'.repeat(100) }),
    ).toThrow(/^imageTag: '.*' .* is not a valid image tag/);
    expect(() => imageTagFromTemplate('v:{sha}', { sha })).toThrow(InputError);
    expect(() => imageTagFromTemplate('-{sha}', { sha })).toThrow(InputError);
  });
});

describe('matchRepository', () => {
  const event = {
    repository: {
      fullName: 'Acme-Bank/demo-api',
      urls: [
        'https://github.com/Acme-Bank/demo-api',
        'https://github.com/Acme-Bank/demo-api.git',
        'git@github.com:Acme-Bank/demo-api.git',
      ],
    },
  };

  it.each([
    'acme-bank/demo-api',
    'Acme-Bank/demo-api.git',
    'acme-bank/demo-api/',
    'https://github.com/acme-bank/demo-api.git',
    'https://github.com/acme-bank/demo-api/',
    'https://ci-bot@github.com/acme-bank/demo-api',
    'git@github.com:acme-bank/demo-api.git',
    'ssh://git@github.com:22/acme-bank/demo-api.git',
    'git+ssh://git@github.com/acme-bank/demo-api',
    'github.com/acme-bank/demo-api',
  ])('matches %s', identifier => {
    expect(
      matchRepository(event, [
        { service: 'demo-api', repositories: [identifier] },
      ]),
    ).toEqual([{ service: 'demo-api', repositories: [identifier] }]);
  });

  it.each([
    'acme-bank/demo-api-v2',
    'other/demo-api',
    'https://gitlab.com/acme-bank/demo-api.git',
    'git@bitbucket.org:acme-bank/demo-api.git',
    'demo-api',
  ])('does not match %s', identifier => {
    expect(
      matchRepository(event, [
        { service: 'demo-api', repositories: [identifier] },
      ]),
    ).toEqual([]);
  });

  it('returns every matching candidate in order', () => {
    const candidates = [
      { service: 'demo-api', repositories: ['acme-bank/demo-api'] },
      { service: 'demo-web', repositories: ['acme-bank/demo-web'] },
      {
        service: 'demo-api-worker',
        repositories: ['acme-bank/other', 'git@github.com:acme-bank/demo-api'],
      },
    ];
    expect(matchRepository(event, candidates).map(c => c.service)).toEqual([
      'demo-api',
      'demo-api-worker',
    ]);
  });

  it('matches nested GitLab groups on a self-hosted instance', () => {
    const gitlab = {
      repository: {
        fullName: 'retail/frontends/demo-web',
        urls: ['git@gitlab.acme-bank.example:retail/frontends/demo-web.git'],
      },
    };
    expect(
      matchRepository(gitlab, [
        { service: 'a', repositories: ['retail/frontends/demo-web'] },
        {
          service: 'b',
          repositories: [
            'https://gitlab.acme-bank.example/retail/frontends/demo-web.git',
          ],
        },
        { service: 'c', repositories: ['frontends/demo-web'] },
      ]).map(c => c.service),
    ).toEqual(['a', 'b']);
  });

  it('normalizes identifiers', () => {
    expect(
      normalizeRepository('ssh://git@GitLab.example.com:2222/Group/Repo.git/'),
    ).toEqual({ host: 'gitlab.example.com', path: 'group/repo' });
    expect(normalizeRepository('git@github.com:org/repo.git')).toEqual({
      host: 'github.com',
      path: 'org/repo',
    });
    expect(normalizeRepository(' Org/Repo ')).toEqual({
      host: undefined,
      path: 'org/repo',
    });
  });
});
