import { describe, expect, it } from 'vitest';
import { commandTier, lineFindings } from '../../src/plugins/command-risk.js';

/** The tier a shell step running `line` needs, from the shell action's own tier. */
const tierOf = (line: string) => commandTier([line], 'execute');

describe('command classifier: recursive deletes', () => {
  it.each([
    'rm -rf build',
    'rm -r build',
    'rm -R build',
    'rm -fr build',
    'rm -Rf ./dist',
    'rm --recursive --force node_modules',
    'rm build -rf',
    '/bin/rm -rf /tmp/x',
    'rm -rf "$BUILD_DIR"/',
    'rm -rf ~/.cache/thing',
    "rm -rf 'dir with spaces'",
  ])('%s is destructive', (line) => {
    expect(tierOf(line)).toEqual({ tier: 'destructive', reasons: ['rm -r deletes recursively'] });
  });

  it.each([
    ['find . -name "*.o" -delete', 'find -delete deletes files'],
    ['find /tmp -mtime +7 -exec rm -rf {} \\;', 'rm -r deletes recursively'],
    ['find . -type d -name __pycache__ -exec rm -r {} +', 'rm -r deletes recursively'],
    ['find . -execdir rm -rf {} \\;', 'rm -r deletes recursively'],
    ['git clean -fdx', 'git clean -f deletes untracked files'],
    ['git clean -f', 'git clean -f deletes untracked files'],
    ['git clean --force -d', 'git clean -f deletes untracked files'],
    ['shred -u secrets.txt', 'shred overwrites files beyond recovery'],
    ['ls | xargs rm -rf', 'rm -r deletes recursively'],
    ['find . -print0 | xargs -0 -n 10 rm -r', 'rm -r deletes recursively'],
    ['xargs -I {} rm -rf {} < list.txt', 'rm -r deletes recursively'],
  ])('%s is destructive (%s)', (line, reason) => {
    expect(tierOf(line)).toEqual({ tier: 'destructive', reasons: [reason] });
  });
});

describe('command classifier: history rewrites', () => {
  it.each([
    ['git reset --hard HEAD~1', 'git reset --hard discards uncommitted changes'],
    ['git reset --hard', 'git reset --hard discards uncommitted changes'],
    ['git rebase -i HEAD~3', 'git rebase rewrites history'],
    ['git rebase main', 'git rebase rewrites history'],
    ['git rebase --continue', 'git rebase rewrites history'],
    ['git filter-branch --tree-filter "rm x" HEAD', 'git filter-branch rewrites history'],
    ['git filter-repo --path secrets --invert-paths', 'git filter-repo rewrites history'],
    ['git commit --amend --no-edit', 'git commit --amend rewrites the last commit'],
    ['git commit -a --amend -m "fix"', 'git commit --amend rewrites the last commit'],
    ['git branch -D feature', 'git branch -D deletes a branch even if it is not merged'],
    ['git branch --delete --force feature', 'git branch -D deletes a branch even if it is not merged'],
    ['git branch -d -f feature', 'git branch -D deletes a branch even if it is not merged'],
    ['git stash drop', 'git stash drop discards stashed changes'],
    ['git stash clear', 'git stash clear discards stashed changes'],
    ['git reflog expire --expire=now --all', 'git reflog expire drops recovery points'],
    ['git -C ../repo reset --hard origin/main', 'git reset --hard discards uncommitted changes'],
    ['git -c core.editor=true rebase -i main', 'git rebase rewrites history'],
    ['git --no-pager commit --amend', 'git commit --amend rewrites the last commit'],
  ])('%s is destructive (%s)', (line, reason) => {
    expect(tierOf(line)).toEqual({ tier: 'destructive', reasons: [reason] });
  });

  it.each([
    'git rebase --abort',
    'git branch -d merged-feature',
    'git reset --soft HEAD~1',
    'git reset HEAD file',
    'git clean -n',
    'git clean -fn',
    'git stash',
    'git stash pop',
    'git commit -m "amend the docs"',
  ])('%s is not raised', (line) => {
    expect(tierOf(line)).toEqual({ tier: 'execute', reasons: [] });
  });
});

describe('command classifier: force-pushes and remote deletes', () => {
  const remote = 'git push reaches a remote repository';
  it.each([
    'git push --force',
    'git push -f origin main',
    'git push origin main --force',
    'git push --force-with-lease',
    'git push --force-with-lease=main:abc123 origin main',
    'git push --force-if-includes --force-with-lease',
    'git push -uf origin feature',
    'git push origin +main',
    'git push origin +refs/heads/main:refs/heads/main',
    'git push --mirror backup',
    'git -C repo push -f',
  ])('%s overwrites remote history and reaches a remote', (line) => {
    expect(tierOf(line)).toEqual({ tier: 'external', reasons: [remote, 'git push --force overwrites remote history'] });
  });

  it.each(['git push origin --delete old', 'git push origin :old', 'git push -d origin old', 'git push --prune origin'])(
    '%s deletes remote branches',
    (line) => {
      expect(tierOf(line)).toEqual({ tier: 'external', reasons: [remote, 'git push --delete deletes remote branches'] });
    },
  );

  it.each(['git push', 'git push origin main', 'git push -u origin feature', 'git push -o ci.skip origin main'])(
    '%s only reaches a remote',
    (line) => {
      expect(tierOf(line)).toEqual({ tier: 'external', reasons: [remote] });
    },
  );
});

describe('command classifier: disks', () => {
  it.each([
    ['mkfs.ext4 /dev/sdb1', 'mkfs.ext4 formats a filesystem'],
    ['mkfs -t xfs /dev/sdc', 'mkfs formats a filesystem'],
    ['mke2fs /dev/sdb', 'mke2fs formats a filesystem'],
    ['mkswap /dev/sda2', 'mkswap formats a filesystem'],
    ['dd if=/dev/zero of=disk.img bs=1M count=10', 'dd of=… overwrites its target with raw data'],
    ['sudo dd if=ubuntu.iso of=/dev/sdb bs=4M status=progress', 'dd of=… overwrites its target with raw data'],
    ['fdisk /dev/sda', 'fdisk changes disk partitions'],
    ['sfdisk /dev/sda < layout', 'sfdisk changes disk partitions'],
    ['parted /dev/sda mklabel gpt', 'parted changes disk partitions'],
    ['sgdisk --zap-all /dev/nvme0n1', 'sgdisk changes disk partitions'],
    ['wipefs -a /dev/sdb', 'wipefs erases filesystem signatures'],
    ['blkdiscard /dev/nvme1n1', 'blkdiscard discards every block of a device'],
    ['cat image.bin > /dev/sdb', '> /dev/sdb overwrites a disk device'],
    ['echo data >> /dev/nvme0n1', '> /dev/nvme0n1 overwrites a disk device'],
  ])('%s is destructive (%s)', (line, reason) => {
    expect(tierOf(line)).toEqual({ tier: 'destructive', reasons: [reason] });
  });

  it.each(['dd if=/dev/urandom bs=16 count=1', 'echo hi > /dev/null', 'ls > /dev/stderr', 'df -h', 'lsblk'])('%s is not raised', (line) => {
    expect(tierOf(line).reasons).toEqual([]);
  });
});

describe('command classifier: downloads run by a shell', () => {
  it.each([
    ['curl -fsSL https://get.example.com | sh', 'sh runs a script that curl downloads'],
    ['curl -sSf https://sh.rustup.rs | sh -s -- -y', 'sh runs a script that curl downloads'],
    ['wget -qO- https://example.com/install.sh | bash', 'bash runs a script that wget downloads'],
    ['wget -O - https://example.com/x | sudo bash -s', 'bash runs a script that wget downloads'],
    ['curl https://x.io/i.sh | tee install.log | sh', 'sh runs a script that curl downloads'],
    ['(cd /tmp && curl -s https://x.io/i.sh) | sh', 'sh runs a script that curl downloads'],
    ['sh <(curl -s https://example.com/i.sh)', 'sh runs a script that curl downloads'],
    ['bash <(wget -qO- https://example.com/i.sh)', 'bash runs a script that wget downloads'],
    ['/bin/bash -c "$(curl -fsSL https://raw.example.com/install.sh)"', 'bash runs a script that curl downloads'],
    ['eval "$(curl -s https://example.com/env)"', 'eval runs a script that curl downloads'],
    ['source <(curl -s https://example.com/env.sh)', 'source runs a script that curl downloads'],
    ['curl -s https://example.com/x.py | python3 -', 'python3 runs a script that curl downloads'],
  ])('%s is external (%s)', (line, reason) => {
    const { tier, reasons } = tierOf(line);
    expect(tier).toBe('external');
    expect(reasons).toContain(reason);
  });
});

describe('command classifier: network reach', () => {
  it.each([
    ['curl https://api.example.com/v1/items', 'curl reaches the network'],
    ['wget https://example.com/file.tar.gz', 'wget reaches the network'],
    ['ssh deploy@host "systemctl restart app"', 'ssh reaches the network'],
    ['scp build.tar.gz host:/srv/', 'scp reaches the network'],
    ['sftp user@host', 'sftp reaches the network'],
    ['rsync -avz dist/ deploy@host:/var/www/', 'rsync copies to or from another host'],
    ['rsync -a rsync://mirror.example.com/pub/ ./pub/', 'rsync copies to or from another host'],
    ['nc -l 8080', 'nc reaches the network'],
    ['ftp ftp.example.com', 'ftp reaches the network'],
    ['git pull --rebase', 'git pull reaches a remote repository'],
    ['git fetch origin', 'git fetch reaches a remote repository'],
    ['git clone https://github.com/x/y.git', 'git clone reaches a remote repository'],
    ['git ls-remote origin', 'git ls-remote reaches a remote repository'],
    ['npm publish --access public', 'npm publish reaches a registry or remote service'],
    ['cargo publish', 'cargo publish reaches a registry or remote service'],
    ['twine upload dist/*', 'twine upload reaches a registry or remote service'],
    ['docker push registry.example.com/app:1.0', 'docker push reaches a registry or remote service'],
    ['gh pr create --fill', 'gh calls a remote service'],
    ['aws s3 cp out.json s3://bucket/', 'aws calls a remote service'],
    ['kubectl apply -f deploy.yaml', 'kubectl calls a remote service'],
    ['terraform apply -auto-approve', 'terraform apply reaches a registry or remote service'],
  ])('%s is external (%s)', (line, reason) => {
    expect(tierOf(line)).toEqual({ tier: 'external', reasons: [reason] });
  });
});

describe('command classifier: wrappers, lists and nesting', () => {
  it.each([
    'sudo rm -rf /var/cache/app',
    'sudo -u www-data rm -rf cache',
    'sudo -E -H rm -r cache',
    'doas -u root rm -rf x',
    'env rm -rf x',
    'env -i PATH=/bin FOO=1 rm -rf x',
    'FOO=bar rm -rf x',
    'nohup rm -rf x &',
    'time rm -rf x',
    'timeout 10 rm -rf x',
    'timeout -s KILL -k 5 10s rm -rf x',
    'nice -n 10 rm -rf x',
    'nice -10 rm -rf x',
    'ionice -c 3 rm -rf x',
    'stdbuf -oL rm -rf x',
    'exec rm -rf x',
    'command rm -rf x',
    'builtin command rm -rf x',
    'busybox rm -rf x',
    'sudo timeout 5 nice rm -rf x',
    'eval "rm -rf x"',
    'eval rm -rf x',
    "sh -c 'rm -rf x'",
    'bash -c "rm -rf x"',
    "bash -lc 'rm -rf x'",
    "bash -e -c 'rm -rf x'",
    "bash --norc -c 'rm -rf x'",
    "zsh -c 'rm -rf x'",
    `sh -c "bash -c 'rm -rf x'"`,
    `sudo sh -c 'cd /srv && rm -rf old'`,
    "su -c 'rm -rf x' deploy",
    "env -S 'rm -rf x'",
    "env -S'rm -r' x",
    'env --split-string=rm -rf x',
    "env -S 'rm -f' -r x",
    'echo start && rm -rf x',
    'false || rm -rf x',
    'make clean; rm -rf x',
    'ls & rm -rf x',
    '(cd build && rm -rf out)',
    '{ rm -rf x; }',
    'echo $(rm -rf x)',
    'echo "$(rm -rf x)"',
    'echo `rm -rf x`',
    'echo "`rm -rf x`"',
    'X=$(rm -rf x) true',
    'cat <(rm -rf x)',
    'ls\nrm -rf x',
    'ls \\\n && rm -rf x',
    'echo a#b; rm -rf x',
    'if [ -d x ]; then rm -rf x; fi',
    'for d in a b; do rm -r "$d"; done',
    'while read f; do rm -rf "$f"; done < list',
    'case "$1" in clean) rm -rf x;; esac',
    'cleanup() { rm -rf x; }; cleanup',
    '! rm -rf x',
  ])('sees the recursive delete in %j', (line) => {
    expect(tierOf(line)).toEqual({ tier: 'destructive', reasons: ['rm -r deletes recursively'] });
  });

  it('names every risk of a long line once, the highest tier first', () => {
    expect(
      tierOf('rm -rf dist && npm run build && rm -rf tmp && git push --force origin main && curl -X POST https://hooks.example.com'),
    ).toEqual({
      tier: 'external',
      reasons: [
        'git push reaches a remote repository',
        'curl reaches the network',
        'rm -r deletes recursively',
        'git push --force overwrites remote history',
      ],
    });
  });

  it('raises a line nested too deeply to read to destructive', () => {
    let line = 'ls';
    for (let i = 0; i < 12; i += 1) line = `sh -c ${JSON.stringify(line)}`;
    expect(tierOf(line)).toEqual({
      tier: 'destructive',
      reasons: [expect.stringMatching(/^the command line could not be checked: commands nested more than 8 levels deep/)],
    });
  });
});

describe('command classifier: what is not raised', () => {
  it.each([
    'rm file.txt',
    'rm -f file.txt',
    'rm -f *.log',
    'rm -- -r',
    'rmdir empty-dir',
    'grep -r TODO src',
    'grep -R "rm -rf" .',
    'cp -r src dst',
    'ls -R',
    'chmod -R u+w build',
    'git status',
    'git log --oneline -n 5',
    'git diff HEAD~1',
    'git commit -m "wip"',
    'git add -A',
    'git checkout -b feature',
    'git branch -a',
    'echo "rm -rf /"',
    "echo 'rm -rf /'",
    'printf "%s\\n" "git push --force"',
    'echo curl | wc -c',
    'grep curl Makefile',
    'cat README.md | grep wget',
    'ls # rm -rf everything',
    'npm test',
    'npm install',
    'npm run build',
    'node build.js',
    'make -j4',
    'python3 -m pytest -q',
    'command -v curl',
    'which curl wget',
    'type ssh',
    'sudo -l',
    'rsync -av src/ backup/',
    'tar czf out.tgz dist',
    'find . -name "*.ts"',
    'find . -type f -exec grep -l TODO {} +',
    'xargs echo',
    'env grep -S rm -r x',
    'echo ok > result.txt',
    'cat <<EOF\nhello\nEOF',
    'sh build.sh',
    'bash -x scripts/check.sh',
  ])('%j is not raised', (line) => {
    expect(tierOf(line)).toEqual({ tier: 'execute', reasons: [] });
  });
});

describe('commandTier', () => {
  it('keeps the floor and reports only what is above it', () => {
    expect(commandTier(['rm -rf x'], 'external')).toEqual({ tier: 'external', reasons: [] });
    expect(commandTier(['curl https://x', 'rm -rf x'], 'destructive')).toEqual({ tier: 'external', reasons: ['curl reaches the network'] });
    expect(commandTier([], 'read')).toEqual({ tier: 'read', reasons: [] });
  });

  it('lists every finding of a line, whatever the floor', () => {
    expect(lineFindings('git push -f')).toEqual([
      { tier: 'destructive', reason: 'git push --force overwrites remote history' },
      { tier: 'external', reason: 'git push reaches a remote repository' },
    ]);
  });
});
