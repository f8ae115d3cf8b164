/** @module package/entry — the archive entry shape shared by the tar and cpio readers. */

/** What an archive entry is; `other` covers devices, fifos and anything unknown. */
export type ArchiveEntryType = "file" | "directory" | "symlink" | "hardlink" | "other";

/** One entry of a tar or cpio archive; consume or drain `body` before asking for the next entry. */
export interface ArchiveEntry {
  readonly name: string;
  readonly type: ArchiveEntryType;
  readonly size: number;
  readonly mode: number;
  /** Target of a symlink or hardlink. */
  readonly linkname: string | null;
  readonly body: AsyncIterable<Buffer>;
}
