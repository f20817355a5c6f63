#!/usr/bin/env bash
# Checks that the documentation stands on the repository alone:
#  1. every repository path a Markdown file names exists (links, `backticked` paths, and paths under the top-level
#     folders in plain text or code blocks), resolved against the file's folder, then the repository root, then as the
#     tail of a tracked path (so `Session/Vring.cs` in a project README is found);
#  2. every link anchor (FILE.md#section) is a heading of its file, and every 'docs/X.md, "Heading"' in a comment
#     names a heading of that file;
#  3. no file refers to planning documents outside the repository or to machine paths.
# Prints each problem, then "docs: N paths and sections checked, M problems"; exits 1 when there is a problem.
# Needs bash 4, git and GNU grep. Run by scripts/test.sh; run it by hand after editing docs.
set -uo pipefail
cd "$(dirname "$0")/.."

tracked=$(mktemp)
trap 'rm -f "$tracked"' EXIT
# Every file git tracks or would track (not ignored build output), and every folder above one.
git ls-files --cached --others --exclude-standard | awk '{ print; n = split($0, p, "/"); d = ""; for (i = 1; i < n; i++) { d = d (i > 1 ? "/" : "") p[i]; print d } }' \
  | sort -u >"$tracked"

declare -A known=()
while IFS= read -r f; do known[$f]=1; done <"$tracked"
is_tracked() { [[ -n $1 && -n ${known[$1]+x} ]]; }
ends_tracked() { grep -qE -- "(^|/)$(sed 's/[.[\*^$()+?{}|]/\\&/g' <<<"$1")\$" "$tracked"; }

# Sets REPLY to the normalised repository-relative path of $2 seen in a file in folder $1; empty if it leaves the
# repository.
resolve() {
  local part parts out=() IFS=/
  read -ra parts <<<"$1/$2"
  REPLY=
  for part in "${parts[@]}"; do
    case $part in
      '' | .) ;;
      ..) [ ${#out[@]} -gt 0 ] || return 0; unset 'out[-1]' ;;
      *) out+=("$part") ;;
    esac
  done
  REPLY="${out[*]}"
}

checked=0; problems=0
problem() { echo "docs: $1"; problems=$((problems + 1)); }

top='switch|ports|flows|cli|tests|perf|scripts|docs|\.ci'
while IFS= read -r md; do
  dir=$(dirname "$md")
  {
    # Markdown link targets (not URLs or anchors).
    grep -oE '\]\([^)# ]+' "$md" | sed 's/^](//' | grep -vE '^[a-z]+:' || true
    # Backticked tokens that look like paths: a slash or a source/doc extension, no wildcard or placeholder.
    grep -oE '`[^` ]+`' "$md" | tr -d '`' \
      | grep -E '/|\.(md|cs|sh|csproj|props|sln)$' | grep -vE '^[/~$<-]|[*{}<>=:]' || true
    # Paths under a top-level folder anywhere in the text.
    grep -oE "(^|[^A-Za-z0-9_./-])(\.\./)*($top)/[A-Za-z0-9_./-]*[A-Za-z0-9_/]" "$md" \
      | sed -E 's/^[^A-Za-z0-9_./-]//' | grep -v '\*' || true
  } | sort -u | while IFS= read -r token; do
    [ -n "$token" ] || continue
    case $token in
      */bin/* | */obj/*) continue ;;             # build output, not in the repository
      *NAME* | *RUN_DIR*) continue ;;            # a placeholder (ports/VSwitch.Ports.NAME)
      .*/* | ..*) ;;
      .*) continue ;;                            # a bare extension or file-name tail (.csproj, .Memory.cs)
    esac
    path=${token%/}
    if [[ ! $path =~ \.(md|cs|sh|csproj|props|sln)$ && $path != ../* && $path != ./* ]]; then
      # Without a file extension it is a path only if its first part is a folder or file here (not `0xVALUE/0xMASK`).
      first=${path%%/*}
      resolve "$dir" "$first"
      is_tracked "$first" || is_tracked "$REPLY" || continue
    fi
    found=
    for base in "$dir" .; do
      resolve "$base" "$path"
      if is_tracked "$REPLY"; then found=1; break; fi
    done
    if [ -z "$found" ] && [[ $path != ../* && $path != ./* ]] && ends_tracked "$path"; then found=1; fi
    echo "$token ${found:-missing}"
  done | while read -r token state; do
    echo "checked"
    [ "$state" = missing ] && echo "problem $md: '$token' is not a file or folder of the repository"
  done
done < <(git ls-files --cached --others --exclude-standard '*.md' | grep -v '^perf/results/') >"$tracked.out"

checked=$(grep -c '^checked$' "$tracked.out" || true)
while IFS= read -r line; do problem "${line#problem }"; done < <(grep '^problem ' "$tracked.out")
rm -f "$tracked.out"

# Section references: a link's #anchor must be a heading of its target, and a comment's 'docs/X.md, "Heading"' must
# name the start of a heading of that file.
slugs() { grep -E '^#+ ' "$1" | sed -E 's/^#+ +//' | tr 'A-Z' 'a-z' | sed -E 's/[^a-z0-9 _-]//g; s/ /-/g'; }
while IFS= read -r md; do
  dir=$(dirname "$md")
  while IFS= read -r link; do
    target=${link%%#*}; anchor=${link#*#}
    file=$md
    if [ -n "$target" ]; then resolve "$dir" "$target"; file=$REPLY; fi
    checked=$((checked + 1))
    if [ -z "$file" ] || [ ! -f "$file" ] || ! slugs "$file" | grep -qxF -- "$anchor"; then
      problem "$md: link '$link' names no heading of ${file:-its target}"
    fi
  done < <(grep -oE '\]\([^) ]*#[^) ]+\)' "$md" | sed -E 's/^\]\(//; s/\)$//' | grep -vE '^[a-z]+:' || true)
done < <(git ls-files --cached --others --exclude-standard '*.md' | grep -v '^perf/results/')
while IFS= read -r hit; do
  where=${hit%%:*}; ref=${hit#*:}
  file=${ref%%,*}; heading=${ref#*\"}; heading=${heading%\"}
  checked=$((checked + 1))
  if [ ! -f "$file" ] || ! grep -E '^#+ ' "$file" | sed -E 's/^#+ +//' | grep -qF -- "$heading"; then
    problem "$where: '$ref' names no heading of $file"
  fi
done < <(git grep -o -I -E '[A-Za-z0-9_./-]+\.md, "[^"]+"' -- . ':!*.md' ':!scripts/check-docs.sh' || true)

# References to documents that are not in the repository (planning files kept beside a checkout, never in it), or
# to a build machine's folders. The pattern is assembled from parts so that this script does not name them itself.
outside="DESIGN""\\.md|STYLE""\\.md|STYLE"" rule|\\.\\./sha""red|/wo""rk/"
while IFS= read -r hit; do
  problem "$hit: refers to something outside the repository"
done < <(git grep -n -I -E "$outside" -- . ':!perf/results')

echo "docs: $checked paths and sections checked, $problems problems"
[ "$problems" -eq 0 ]
