# The deterministic payload of the send role, shared by the guest's init and the host-side tests.
#
# The payload of N bytes is the first N bytes of chunks 0, 1, 2, ... where chunk k is the line "%08d\n" of k
# followed by the lines "10000000\n" to "10116507\n" (9 + 116508 * 9 = 1048581 bytes in all). Every chunk is
# unique, so a lost, repeated or reordered chunk changes the md5. Needs $VS_TMP (a writable directory) and $bytes.

make_block() { [ -s "$VS_TMP/block" ] || seq 10000000 10116507 > "$VS_TMP/block"; }

payload() {
  make_block
  k=0 chunks=$((bytes / 1048581 + 1))
  while [ $k -lt $chunks ]; do
    printf '%08d\n' $k
    cat "$VS_TMP/block"
    k=$((k + 1))
  done 2>/dev/null | head -c "$bytes"
}
