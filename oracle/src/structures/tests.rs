//! Tests of the wire structures: every structure round-trips byte for byte, undefined
//! selectors are refused, a leaf's signed content binds group and index where RFC 9420 §7.2 says
//! so, and every field of mlswg's `messages.json` round-trips.

use super::*;

fn leaf(source: LeafNodeSource) -> LeafNode {
    LeafNode {
        encryption_key: vec![1; 32],
        signature_key: vec![2; 32],
        credential: Credential::Basic {
            identity: b"alice".to_vec(),
        },
        capabilities: Capabilities {
            versions: vec![1],
            cipher_suites: vec![1, 0x0a0a],
            extensions: vec![0x1a1a],
            proposals: vec![],
            credentials: vec![1, 2],
        },
        leaf_node_source: source,
        extensions: vec![Extension {
            extension_type: 0x2a2a,
            extension_data: vec![9, 9],
        }],
        signature: vec![3; 64],
    }
}

fn key_package() -> KeyPackage {
    KeyPackage {
        version: 1,
        cipher_suite: 1,
        init_key: vec![4; 32],
        leaf_node: leaf(LeafNodeSource::KeyPackage(Lifetime {
            not_before: 0,
            not_after: u64::MAX,
        })),
        extensions: vec![],
        signature: vec![5; 64],
    }
}

fn check<T: Codec + PartialEq + std::fmt::Debug>(v: &T) {
    let bytes = v.to_bytes();
    let back = T::from_bytes(&bytes).unwrap();
    assert_eq!(&back, v);
    assert_eq!(back.to_bytes(), bytes);
    // A truncated encoding never decodes to something else.
    assert!(T::from_bytes(&bytes[..bytes.len() - 1]).is_err());
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(T::from_bytes(&longer).is_err());
}

#[test]
fn every_structure_round_trips() {
    let commit_leaf = leaf(LeafNodeSource::Commit {
        parent_hash: vec![7; 32],
    });
    let path = UpdatePath {
        leaf_node: commit_leaf.clone(),
        nodes: vec![UpdatePathNode {
            encryption_key: vec![8; 32],
            encrypted_path_secret: vec![HpkeCiphertext {
                kem_output: vec![1; 32],
                ciphertext: vec![2; 48],
            }],
        }],
    };
    let proposals = vec![
        Proposal::Add {
            key_package: key_package(),
        },
        Proposal::Update {
            leaf_node: leaf(LeafNodeSource::Update),
        },
        Proposal::Remove { removed: 3 },
        Proposal::PreSharedKey {
            psk: PreSharedKeyId {
                psk: Psk::Resumption {
                    usage: 1,
                    psk_group_id: vec![1],
                    psk_epoch: 9,
                },
                psk_nonce: vec![0; 32],
            },
        },
        Proposal::PreSharedKey {
            psk: PreSharedKeyId {
                psk: Psk::External { psk_id: vec![6] },
                psk_nonce: vec![0; 32],
            },
        },
        Proposal::ReInit(ReInit {
            group_id: vec![1, 2],
            version: 1,
            cipher_suite: 3,
            extensions: vec![],
        }),
        Proposal::ExternalInit {
            kem_output: vec![1; 32],
        },
        Proposal::GroupContextExtensions { extensions: vec![] },
    ];
    for p in &proposals {
        check(p);
    }
    let commit = Commit {
        proposals: vec![
            ProposalOrRef::Proposal(Box::new(Proposal::Remove { removed: 1 })),
            ProposalOrRef::Reference(vec![1; 32]),
        ],
        path: Some(path),
    };
    check(&commit);
    check(&RatchetTreeNodes(vec![
        Some(Node::Leaf(commit_leaf)),
        Some(Node::Parent(ParentNode {
            encryption_key: vec![1; 32],
            parent_hash: vec![],
            unmerged_leaves: vec![2],
        })),
        None,
    ]));
    let context = GroupContext {
        version: 1,
        cipher_suite: 1,
        group_id: vec![1; 8],
        epoch: 5,
        tree_hash: vec![2; 32],
        confirmed_transcript_hash: vec![3; 32],
        extensions: vec![],
    };
    check(&context);
    let content = FramedContent {
        group_id: vec![1; 8],
        epoch: 5,
        sender: Sender::Member(2),
        authenticated_data: vec![],
        content: Content::Commit(commit),
    };
    let auth = FramedContentAuthData {
        signature: vec![1; 64],
        confirmation_tag: Some(vec![2; 32]),
    };
    check(&AuthenticatedContent {
        wire_format: WIRE_FORMAT_PUBLIC_MESSAGE,
        content: content.clone(),
        auth: auth.clone(),
    });
    let messages = vec![
        MlsMessage::PublicMessage(PublicMessage {
            content: content.clone(),
            auth,
            membership_tag: Some(vec![3; 32]),
        }),
        MlsMessage::PublicMessage(PublicMessage {
            content: FramedContent {
                sender: Sender::External(0),
                content: Content::Proposal(Proposal::Remove { removed: 0 }),
                ..content.clone()
            },
            auth: FramedContentAuthData {
                signature: vec![1; 64],
                confirmation_tag: None,
            },
            membership_tag: None,
        }),
        MlsMessage::PrivateMessage(PrivateMessage {
            group_id: vec![1],
            epoch: 2,
            content_type: CONTENT_APPLICATION,
            authenticated_data: vec![],
            encrypted_sender_data: vec![1; 28],
            ciphertext: vec![2; 40],
        }),
        MlsMessage::Welcome(Welcome {
            cipher_suite: 1,
            secrets: vec![EncryptedGroupSecrets {
                new_member: vec![1; 32],
                encrypted_group_secrets: HpkeCiphertext {
                    kem_output: vec![1; 32],
                    ciphertext: vec![2; 60],
                },
            }],
            encrypted_group_info: vec![3; 100],
        }),
        MlsMessage::GroupInfo(GroupInfo {
            group_context: context,
            extensions: vec![],
            confirmation_tag: vec![4; 32],
            signer: 0,
            signature: vec![5; 64],
        }),
        MlsMessage::KeyPackage(key_package()),
    ];
    for m in &messages {
        check(m);
    }
    check(&GroupSecrets {
        joiner_secret: SecretBytes::new(vec![1; 32]),
        path_secret: Some(SecretBytes::new(vec![2; 32])),
        psks: vec![],
    });
    check(&SenderData {
        leaf_index: 1,
        generation: 2,
        reuse_guard: [1, 2, 3, 4],
    });
    let pmc = PrivateMessageContent {
        content: Content::Application(b"hi".to_vec()),
        auth: FramedContentAuthData {
            signature: vec![1; 64],
            confirmation_tag: None,
        },
        padding: 5,
    };
    let bytes = pmc.encode().unwrap();
    assert_eq!(
        PrivateMessageContent::decode(CONTENT_APPLICATION, &bytes).unwrap(),
        pmc
    );
    let mut bad_padding = bytes.clone();
    *bad_padding.last_mut().unwrap() = 1;
    assert!(PrivateMessageContent::decode(CONTENT_APPLICATION, &bad_padding).is_err());
}

#[test]
fn undefined_selectors_are_refused() {
    // Proposal type 8 (no layout), a third ProposalOrRef type, MLSMessage version 2.
    assert!(Proposal::from_bytes(&[0, 8, 0]).is_err());
    assert!(ProposalOrRef::from_bytes(&[3, 0]).is_err());
    assert!(MlsMessage::from_bytes(&[0, 2, 0, 1]).is_err());
    assert!(Node::from_bytes(&[3]).is_err());
}

#[test]
fn leaf_tbs_binds_group_and_index_only_outside_key_packages() {
    let update = leaf(LeafNodeSource::Update);
    assert!(update.tbs(None).is_err());
    let a = update.tbs(Some((b"g", 1))).unwrap();
    let b = update.tbs(Some((b"g", 2))).unwrap();
    assert_ne!(a, b);
    let kp = key_package().leaf_node;
    assert_eq!(kp.tbs(None).unwrap(), kp.tbs(Some((b"g", 1))).unwrap());
}

/// Every field of every `messages.json` entry (skipped, and saying so, without the vectors).
#[test]
fn messages_vectors_round_trip() {
    let entries = sonet_testkit::pinned_json_or_skip!("mls/messages.json");
    let entries = entries.as_array().unwrap();
    assert!(!entries.is_empty());
    let mut checked = 0;
    for (i, entry) in entries.iter().enumerate() {
        for (name, field) in MESSAGE_FIELDS {
            let bytes = hex::decode(entry[name].as_str().unwrap()).unwrap();
            let (again, _) =
                round_trip(field, &bytes).unwrap_or_else(|e| panic!("entry {i} {name}: {e}"));
            assert_eq!(again, bytes, "entry {i} {name}");
            checked += 1;
        }
    }
    assert_eq!(checked, entries.len() * MESSAGE_FIELDS.len());
}
