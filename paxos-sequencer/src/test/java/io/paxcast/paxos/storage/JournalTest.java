package io.paxcast.paxos.storage;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The frame format, the files of the previous version, and the edges of {@link Journal}'s recovery rule. */
class JournalTest {

    private static final Path PATH = Path.of("test.journal");

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** A frame as the previous version wrote it: {@code [PXJ1][length][crc32c][payload]}. */
    static byte[] legacyFrame(byte[] payload) {
        return ByteBuffer.allocate(Journal.HEADER_V1 + payload.length).putInt(Journal.MAGIC_V1).putInt(payload.length)
                .putInt(Journal.crc32c(payload)).put(payload).array();
    }

    static byte[] frame(long durableUpTo, byte[] payload) {
        return ByteBuffer.allocate(Journal.HEADER + payload.length).putInt(Journal.MAGIC).putInt(payload.length)
                .putInt(Journal.crc32c(durableUpTo, payload)).putLong(durableUpTo).put(payload).array();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private static List<byte[]> replay(Journal journal) throws IOException {
        List<byte[]> groups = new ArrayList<>();
        journal.replay(groups::add);
        return groups;
    }

    @Test
    void aFrameRecordsTheDurablePointItWasWrittenAt() throws IOException {
        SimulatedDisk disk = new SimulatedDisk();
        Journal journal = Journal.open(disk, PATH).journal();
        journal.append(bytes("a"), true);
        long afterA = journal.size();
        journal.append(bytes("bb"), false);
        journal.append(bytes("ccc"), false);
        journal.force();
        journal.append(bytes("dddd"), false);
        byte[] expected = concat(frame(0, bytes("a")), frame(afterA, bytes("bb")), frame(afterA, bytes("ccc")),
                frame(afterA + Journal.HEADER * 2 + 5, bytes("dddd")));
        assertArrayEquals(expected, disk.contents());
        assertEquals(journal.size() - Journal.HEADER - 4, journal.durable());
    }

    @Test
    void aFileOfThePreviousVersionIsReadAndAppendedToInTheNewFormat() throws IOException {
        byte[] old = concat(legacyFrame(bytes("one")), legacyFrame(bytes("two")), legacyFrame(new byte[0]));
        SimulatedDisk disk = new SimulatedDisk(old);
        Journal.Recovered recovered = Journal.open(disk, PATH);
        assertEquals(3, recovered.groups());
        assertEquals(0, recovered.truncatedBytes());
        recovered.journal().append(bytes("three"), false);
        assertArrayEquals(concat(old, frame(old.length, bytes("three"))), disk.contents(),
                "a PXJ2 frame recording the old file as durable (open forced it)");
        Journal.Recovered again = Journal.open(new SimulatedDisk(disk.contents()), PATH);
        assertEquals(List.of("one", "two", "", "three"),
                replay(again.journal()).stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList());
    }

    @Test
    void aTornLastFrameOfThePreviousVersionIsCut() throws IOException {
        byte[] torn = legacyFrame(bytes("torn"));
        byte[] file = concat(legacyFrame(bytes("one")), Arrays.copyOf(torn, torn.length - 1));
        Journal.Recovered recovered = Journal.open(new SimulatedDisk(file), PATH);
        assertEquals(1, recovered.groups());
        assertEquals(torn.length - 1, recovered.truncatedBytes());
    }

    /** A PXJ1 frame records no durable point: a bad one with a valid one after it is refused, as before. */
    @Test
    void aBadFrameOfThePreviousVersionWithAValidOneAfterItIsRefusedAsBefore() {
        byte[] file = concat(legacyFrame(bytes("one")), legacyFrame(bytes("two")), legacyFrame(bytes("three")));
        int second = Journal.HEADER_V1 + 3;
        file[second + Journal.HEADER_V1] ^= 1;
        StorageException e = assertThrows(StorageException.class, () -> Journal.open(new SimulatedDisk(file), PATH));
        assertTrue(e.getMessage().contains("corrupt journal") && e.getMessage().contains("byte " + second),
                e.getMessage());
    }

    @Test
    void aBadFrameOfThePreviousVersionThatANewFrameCoversIsRefused() throws IOException {
        byte[] old = concat(legacyFrame(bytes("one")), legacyFrame(bytes("two")));
        SimulatedDisk disk = new SimulatedDisk(old);
        Journal.open(disk, PATH).journal().append(bytes("three"), true);
        int second = Journal.HEADER_V1 + 3;
        disk.flipBit(second + Journal.HEADER_V1 + 1, 0); // the last PXJ1 frame's payload: only PXJ2 follows
        StorageException e = assertThrows(StorageException.class,
                () -> Journal.open(new SimulatedDisk(disk.contents()), PATH));
        assertTrue(e.getMessage().contains("frame at byte " + second)
                && e.getMessage().contains("durable up to byte " + old.length), e.getMessage());
    }

    /** The new version never appends a PXJ1 frame: one after a PXJ2 frame is not a frame. */
    @Test
    void aFrameOfThePreviousVersionAfterANewOneIsNotAFrame() throws IOException {
        byte[] legacy = legacyFrame(bytes("old"));
        Journal.Recovered recovered = Journal.open(new SimulatedDisk(concat(frame(0, bytes("new")), legacy)), PATH);
        assertEquals(1, recovered.groups());
        assertEquals(legacy.length, recovered.truncatedBytes());
    }

    /**
     * The case the review found: a torn frame with a valid, never-forced frame after it (the page
     * cache wrote the later page back first) is a torn tail: both are cut, the store opens.
     */
    @Test
    void aTornFrameWithUnforcedValidFramesAfterItIsCutNotRefused() throws IOException {
        SimulatedDisk disk = new SimulatedDisk();
        Journal journal = Journal.open(disk, PATH).journal();
        journal.append(bytes("forced"), true);
        long cut = journal.size();
        journal.append(new byte[700], false);
        journal.append(bytes("later"), false);
        journal.append(bytes("latest"), false);
        disk.flipBit(cut + Journal.HEADER + 600, 3); // the second frame lost a sector
        Journal.Recovered recovered = Journal.open(new SimulatedDisk(disk.contents()), PATH);
        assertEquals(1, recovered.groups());
        assertEquals(2, recovered.droppedFrames());
        assertEquals(disk.size() - cut, recovered.truncatedBytes());
        assertArrayEquals(bytes("forced"), replay(recovered.journal()).get(0));
    }

    /**
     * A frame inside a valid frame's payload is data: here it claims a durable point past the torn
     * frame, and would make the tail look corrupt if the scan looked inside the frame that holds it.
     */
    @Test
    void aFrameInsideAValidFramesPayloadIsData() throws IOException {
        SimulatedDisk disk = new SimulatedDisk();
        Journal journal = Journal.open(disk, PATH).journal();
        journal.append(bytes("torn"), false);
        journal.append(concat(bytes("xx"), frame(1, bytes("inner"))), false);
        disk.flipBit(Journal.HEADER, 0);
        Journal.Recovered recovered = Journal.open(new SimulatedDisk(disk.contents()), PATH);
        assertEquals(0, recovered.groups());
        assertEquals(1, recovered.droppedFrames());
    }

    /**
     * After a killed process the frames may be in the page cache only: open forces them before the
     * next frame records them as durable, else a power loss that tore them later would look like
     * corruption (this fails without that force).
     */
    @Test
    void openForcesWhatItFoundBeforeTheNextFrameCallsItDurable() throws IOException {
        for (long seed = 0; seed < 200; seed++) {
            SimulatedDisk disk = new SimulatedDisk();
            Journal journal = Journal.open(disk, PATH).journal();
            journal.append(new byte[900], false);
            journal.append(new byte[300], false);
            Journal restarted = Journal.open(disk, PATH).journal(); // the killed process's successor
            assertEquals(restarted.size(), restarted.durable());
            restarted.append(bytes("after the restart"), false);
            Journal.Recovered recovered = Journal.open(new SimulatedDisk(disk.powerLoss(new Random(seed))), PATH);
            assertTrue(recovered.groups() >= 2, "seed " + seed + ": " + recovered.groups() + " groups");
        }
    }

    /**
     * The limit of the rule: a damaged last frame, which no surviving frame covers, cannot be told
     * from a torn one and is cut (the previous version cut it too).
     */
    @Test
    void aDamagedLastFrameLooksTornAndIsCut() throws IOException {
        SimulatedDisk disk = new SimulatedDisk();
        Journal journal = Journal.open(disk, PATH).journal();
        journal.append(bytes("one"), true);
        long last = journal.size();
        journal.append(bytes("two"), true);
        disk.flipBit(last + Journal.HEADER, 0);
        Journal.Recovered recovered = Journal.open(new SimulatedDisk(disk.contents()), PATH);
        assertEquals(1, recovered.groups());
        assertEquals(Journal.HEADER + 3, recovered.truncatedBytes());
    }

    @Test
    void aDurablePointPastTheFramesOwnOffsetIsNotAFrame() throws IOException {
        byte[] first = frame(0, bytes("one"));
        byte[] file = concat(first, frame(first.length + 1, bytes("two")));
        Journal.Recovered recovered = Journal.open(new SimulatedDisk(file), PATH);
        assertEquals(1, recovered.groups());
    }

    @Test
    void aTornTailIsCutDurablyAndTheJournalGoesOn() throws IOException {
        byte[] whole = frame(0, bytes("one"));
        byte[] torn = frame(whole.length, bytes("two"));
        SimulatedDisk disk = new SimulatedDisk(concat(whole, Arrays.copyOf(torn, 15)));
        Journal.Recovered recovered = Journal.open(disk, PATH);
        assertEquals(15, recovered.truncatedBytes());
        assertEquals(whole.length, disk.size());
        assertEquals(1, disk.forces(), "the cut is durable");
        recovered.journal().append(bytes("three"), true);
        assertArrayEquals(concat(whole, frame(whole.length, bytes("three"))), disk.contents());
    }
}
